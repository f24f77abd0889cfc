import { createHash } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { errorMessage } from "../errors.js";
import { PkiError } from "./errors.js";
import { decodePem } from "./keys.js";

/** The facts of a certificate that Isthmus uses for identity, revocation and display. */
export interface CertificateInfo {
  /** Subject common name ("" when absent). */
  readonly commonName: string;
  /** Subject organisations. */
  readonly organizations: readonly string[];
  /** Issuer common name ("" when absent). */
  readonly issuerCommonName: string;
  /** Serial number, lowercase hex without leading zeros (the revocation key). */
  readonly serial: string;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** SHA-256 of the DER encoding, lowercase hex. */
  readonly fingerprintSha256: string;
  /** True for CA certificates (basicConstraints CA). */
  readonly isCa: boolean;
}

/** Parses a certificate from PEM or DER; throws `PkiError` (`InvalidPem`/`InvalidCertificate`). */
export function parseCertificate(input: string | Uint8Array): CertificateInfo {
  const der = typeof input === "string" ? new Uint8Array(decodePem(input, "CERTIFICATE")) : input;
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(der);
  } catch (err) {
    throw new PkiError("InvalidCertificate", `Cannot parse certificate: ${errorMessage(err)}`, { cause: err });
  }
  return {
    commonName: cert.subjectName.getField("CN")[0] ?? "",
    organizations: cert.subjectName.getField("O"),
    issuerCommonName: cert.issuerName.getField("CN")[0] ?? "",
    serial: normalizeSerial(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprintSha256: createHash("sha256").update(der).digest("hex"),
    isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
  };
}

/** Normalises a hex serial (any case, optional colons or leading zeros) for comparison. */
export function normalizeSerial(serial: string): string {
  const hex = serial.replace(/:/g, "").toLowerCase().replace(/^0+/, "");
  return hex === "" ? "0" : hex;
}
