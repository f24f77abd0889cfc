import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { errorMessage } from "../errors.js";
import { issueCertificateForKey, type CertificateAuthority, type CertificateUsage } from "./certificates.js";
import { PkiError } from "./errors.js";
import { decodePem, ecdsaP256, exportPrivateKeyPem, generateKeyPair } from "./keys.js";

/** A PKCS#10 certificate signing request with the private key that signed it. */
export interface CsrAndKey {
  /** The CSR, PEM "CERTIFICATE REQUEST": the only part that leaves the agent. */
  readonly csrPem: string;
  /** The private key, PKCS#8 PEM. Secret: stays with the agent, never logged. */
  readonly keyPem: string;
}

/** Options of `signCsr`. */
export interface SignCsrOptions {
  /** The CA that signs. */
  readonly ca: CertificateAuthority;
  /** The CSR, PEM. Its signature is verified; its subject is ignored. */
  readonly csrPem: string;
  /** The subject common name forced into the certificate (e.g. the cluster id). */
  readonly commonName: string;
  /** Validity from now, in days. */
  readonly validityDays: number;
  /** Extended key usage. */
  readonly usage: CertificateUsage;
  /** The time treated as now (tests). */
  readonly now?: Date;
}

/** Largest CSR accepted, in PEM characters (an ECDSA P-256 CSR is well under 1 KiB). */
const maxCsrPemLength = 16_384;

/** Creates a fresh ECDSA P-256 key and a CSR for it (agent side; the key never leaves). */
export async function createCsr(options: { readonly commonName: string }): Promise<CsrAndKey> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [options.commonName] }],
    keys,
    signingAlgorithm: ecdsaP256,
  });
  return { csrPem: csr.toString("pem"), keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * Verifies a CSR's self-signature and issues a certificate for its public key with the given
 * common name: the requester proves possession of the key, the CA decides the identity.
 */
export async function signCsr(options: SignCsrOptions): Promise<string> {
  const csr = parseCsr(options.csrPem);
  let valid: boolean;
  try {
    valid = await csr.verify();
  } catch (err) {
    throw new PkiError("InvalidCsr", `Cannot verify CSR: ${errorMessage(err)}`, { cause: err });
  }
  if (!valid) throw new PkiError("CsrSignatureInvalid", "CSR signature does not match its public key");
  let publicKey: webcrypto.CryptoKey;
  try {
    publicKey = await webcrypto.subtle.importKey("spki", csr.publicKey.rawData, ecdsaP256, true, ["verify"]);
  } catch (err) {
    throw new PkiError("InvalidCsr", `CSR public key is not ECDSA P-256: ${errorMessage(err)}`, { cause: err });
  }
  return issueCertificateForKey({
    ca: options.ca,
    commonName: options.commonName,
    usages: options.usage,
    validityDays: options.validityDays,
    publicKey,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

function parseCsr(pem: string): x509.Pkcs10CertificateRequest {
  if (pem.length > maxCsrPemLength) {
    throw new PkiError("InvalidCsr", `CSR is ${pem.length} characters, more than the limit of ${maxCsrPemLength}`);
  }
  const der = decodePem(pem, "CERTIFICATE REQUEST");
  try {
    return new x509.Pkcs10CertificateRequest(der);
  } catch (err) {
    throw new PkiError("InvalidCsr", `Cannot parse CSR: ${errorMessage(err)}`, { cause: err });
  }
}
