import { randomBytes, type webcrypto } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";
import { errorMessage } from "../errors.js";
import { PkiError } from "./errors.js";
import { decodePem, ecdsaP256, exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem } from "./keys.js";

/** A certificate with its private key, both PEM (certificate, PKCS#8 key). */
export interface CertificateAndKey {
  /** The certificate, PEM "CERTIFICATE". */
  readonly certPem: string;
  /** The private key, PKCS#8 PEM "PRIVATE KEY". Secret: never log it. */
  readonly keyPem: string;
}

/** A certificate authority: its self-signed certificate and its signing key. */
export type CertificateAuthority = CertificateAndKey;

/** What a leaf certificate may be used for (extended key usage). */
export type CertificateUsage = "server" | "client" | "both";

/** Options of `createCa`. */
export interface CreateCaOptions {
  /** Subject common name of the CA. */
  readonly commonName: string;
  /** Validity from now, in days. */
  readonly validityDays: number;
  /** The time treated as now (tests); defaults to the current time. */
  readonly now?: Date;
}

/** Options of `issueCertificate` and `issueCertificateForKey`. */
export interface IssueCertificateOptions {
  /** The CA that signs. */
  readonly ca: CertificateAuthority;
  /** Subject common name (for client certificates: the identity). */
  readonly commonName: string;
  /** Subject organisations (Kubernetes reads them as groups). */
  readonly organizations?: readonly string[];
  /** DNS subject alternative names. */
  readonly dnsNames?: readonly string[];
  /** IP subject alternative names (IPv4 or IPv6 literals). */
  readonly ipAddresses?: readonly string[];
  /** Extended key usage. */
  readonly usages: CertificateUsage;
  /** Validity from now, in days (may be fractional; must be > 0). */
  readonly validityDays: number;
  /** The time treated as now (tests); defaults to the current time. */
  readonly now?: Date;
}

/** Clock skew tolerated between machines: certificates are valid from this long before now. */
const backdateMs = 5 * 60_000;
const dayMs = 86_400_000;

/** Creates a self-signed ECDSA P-256 CA certificate and key. */
export async function createCa(options: CreateCaOptions): Promise<CertificateAuthority> {
  checkValidity(options.validityDays);
  const keys = await generateKeyPair();
  const { notBefore, notAfter } = validityWindow(options.validityDays, options.now);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [checkCommonName(options.commonName)] }],
    notBefore,
    notAfter,
    signingAlgorithm: ecdsaP256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** Issues a leaf certificate for a freshly generated ECDSA P-256 key. */
export async function issueCertificate(options: IssueCertificateOptions): Promise<CertificateAndKey> {
  const keys = await generateKeyPair();
  const certPem = await issueCertificateForKey({ ...options, publicKey: keys.publicKey });
  return { certPem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** Issues a leaf certificate for a public key held elsewhere; returns the certificate PEM. */
export async function issueCertificateForKey(
  options: IssueCertificateOptions & { readonly publicKey: webcrypto.CryptoKey },
): Promise<string> {
  checkValidity(options.validityDays);
  const caCert = parseCaCertificate(options.ca.certPem);
  const caKey = await importPrivateKeyPem(options.ca.keyPem);
  const { notBefore, notAfter } = validityWindow(options.validityDays, options.now);
  const subject: x509.JsonName = [{ CN: [checkCommonName(options.commonName)] }];
  for (const o of options.organizations ?? []) subject.push({ O: [o] });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: ecdsaP256,
    publicKey: options.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(extendedUsages(options.usages)),
      await x509.SubjectKeyIdentifierExtension.create(options.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ...subjectAltNames(options.dnsNames ?? [], options.ipAddresses ?? []),
    ],
  });
  return cert.toString("pem");
}

/** Parses a CA certificate PEM for issuing; throws `InvalidCertificate` if it is not a CA. */
function parseCaCertificate(pem: string): x509.X509Certificate {
  const der = decodePem(pem, "CERTIFICATE");
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(der);
  } catch (err) {
    throw new PkiError("InvalidCertificate", `Cannot parse CA certificate: ${errorMessage(err)}`, { cause: err });
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (bc?.ca !== true) {
    throw new PkiError("InvalidCertificate", `Certificate "${cert.subject}" is not a CA (basicConstraints CA is not set)`);
  }
  return cert;
}

function extendedUsages(usage: CertificateUsage): x509.ExtendedKeyUsage[] {
  switch (usage) {
    case "server":
      return [x509.ExtendedKeyUsage.serverAuth];
    case "client":
      return [x509.ExtendedKeyUsage.clientAuth];
    case "both":
      return [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
  }
}

function subjectAltNames(dnsNames: readonly string[], ips: readonly string[]): x509.Extension[] {
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new PkiError("InvalidOptions", `Cannot issue certificate: "${ip}" is not an IP address`);
  }
  const names: x509.JsonGeneralName[] = [
    ...dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...ips.map((value) => ({ type: "ip" as const, value })),
  ];
  return names.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(names)];
}

function checkValidity(days: number): void {
  if (!Number.isFinite(days) || days <= 0) {
    throw new PkiError("InvalidOptions", `Validity must be a positive number of days, got ${days}`);
  }
}

function checkCommonName(cn: string): string {
  if (cn.length === 0 || cn.length > 64) {
    throw new PkiError("InvalidOptions", `Common name must have 1 to 64 characters, got ${cn.length}`);
  }
  return cn;
}

function validityWindow(days: number, now = new Date()): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now.getTime() - backdateMs), notAfter: new Date(now.getTime() + days * dayMs) };
}

/** A random positive 128-bit serial number in hex (RFC 5280: at most 20 octets, positive). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString("hex");
}
