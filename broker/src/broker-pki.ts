import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { errorMessage } from "@isthmus/core/errors";
import { createCa, issueCertificate, parseCertificate, signCsr, type CertificateAndKey, type CertificateAuthority, type CertificateInfo } from "@isthmus/core/pki";
import { BrokerError } from "./errors.js";
import { adminOrganization, adminSubject } from "./identity.js";
import type { Logger } from "./logger.js";
import type { Store } from "./store/store.js";

/** The broker's certificates: its CA (shared through the store), its serving certificate. */
export interface BrokerPki {
  readonly ca: CertificateAuthority;
  readonly caInfo: CertificateInfo;
  readonly serving: CertificateAndKey;
  /** Verifies a CSR and issues a client certificate for `clusterId` (not recorded: the Join records it when admitted). */
  signClusterCsr(clusterId: string, csrPem: string): Promise<{ readonly certPem: string; readonly info: CertificateInfo }>;
  /** gRPC server credentials: TLS with the serving certificate; client certificates requested, not required. */
  serverCredentials(): grpc.ServerCredentials;
}

/** Options of `loadBrokerPki`. */
export interface BrokerPkiOptions {
  readonly store: Store;
  /** Where the admin credential (admin.crt, admin.key, ca.crt) is written at first start. */
  readonly dataDir: string;
  /** Names and addresses clients use to reach the broker (serving certificate SANs). */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  /** Validity of cluster certificates, days. */
  readonly clientCertDays: number;
  readonly logger: Logger;
}

const caMetaKey = "ca";

/**
 * Loads the CA from the store or creates it at first start (race-safe between replicas: the
 * first stored CA wins), issues this process's serving certificate and writes the admin
 * credential to the data dir if it is not there yet.
 */
export async function loadBrokerPki(options: BrokerPkiOptions): Promise<BrokerPki> {
  const { store, logger } = options;
  let caJson = await store.getMeta(caMetaKey);
  if (caJson === undefined) {
    const created = await createCa({ commonName: "isthmus-broker-ca", validityDays: 3650 });
    caJson = await store.putMetaIfAbsent(caMetaKey, JSON.stringify(created));
    logger.info({ fingerprint: parseCertificate(created.certPem).fingerprintSha256 }, "created the broker CA");
  }
  const ca = parseStoredCa(caJson);
  const serving = await issueCertificate({
    ca,
    commonName: "isthmus-broker",
    dnsNames: options.dnsNames,
    ipAddresses: options.ipAddresses,
    usages: "server",
    validityDays: 365,
  });
  await ensureAdminCredential(options, ca);
  const provider = staticCertificateProvider(ca.certPem, serving);
  return {
    ca,
    caInfo: parseCertificate(ca.certPem),
    serving,
    async signClusterCsr(clusterId, csrPem) {
      const certPem = await signCsr({ ca, csrPem, commonName: clusterId, validityDays: options.clientCertDays, usage: "client" });
      return { certPem, info: parseCertificate(certPem) };
    },
    serverCredentials: () => grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false),
  };
}

function parseStoredCa(json: string): CertificateAuthority {
  try {
    const value = JSON.parse(json) as Partial<CertificateAuthority>;
    if (typeof value.certPem !== "string" || typeof value.keyPem !== "string") throw new Error("certPem or keyPem missing");
    return { certPem: value.certPem, keyPem: value.keyPem };
  } catch (err) {
    throw new BrokerError("StoreFailed", `The stored broker CA is unreadable: ${errorMessage(err)}`, { cause: err });
  }
}

/** File names of the admin credential in the data dir. */
export const adminFiles = { cert: "admin.crt", key: "admin.key", ca: "ca.crt" } as const;

async function ensureAdminCredential(options: BrokerPkiOptions, ca: CertificateAuthority): Promise<void> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const certPath = join(options.dataDir, adminFiles.cert);
  await writeFile(join(options.dataDir, adminFiles.ca), ca.certPem);
  try {
    await readFile(certPath, "utf8");
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const admin = await issueCertificate({ ca, commonName: adminSubject, organizations: [adminOrganization], usages: "client", validityDays: 365 });
  const keyPath = join(options.dataDir, adminFiles.key);
  await writeFile(keyPath, admin.keyPem, { mode: 0o600 });
  await chmod(keyPath, 0o600);
  await writeFile(certPath, admin.certPem);
  const info = parseCertificate(admin.certPem);
  await options.store.insertCertificate({
    serial: info.serial,
    subject: adminSubject,
    issuedAt: new Date().toISOString(),
    notAfter: info.notAfter.toISOString(),
    revokedAt: undefined,
    tokenId: undefined,
  });
  options.logger.info({ path: certPath }, "wrote the admin credential");
}

/**
 * A certificate provider that never changes: the CA and the serving identity. Updates are
 * delivered on a microtask: grpc-js registers its watcher only after adding the listener.
 */
function staticCertificateProvider(caPem: string, identity: CertificateAndKey): grpc.experimental.CertificateProvider {
  const ca = { caCertificate: Buffer.from(caPem) };
  const id = { certificate: Buffer.from(identity.certPem), privateKey: Buffer.from(identity.keyPem) };
  return {
    addCaCertificateListener: (listener) => {
      queueMicrotask(() => {
        listener(ca);
      });
    },
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener: (listener) => {
      queueMicrotask(() => {
        listener(id);
      });
    },
    removeIdentityCertificateListener: () => undefined,
  };
}
