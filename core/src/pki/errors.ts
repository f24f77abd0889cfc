import { IsthmusError } from "../errors.js";

/** Why a PKI operation failed. */
export type PkiErrorCode =
  | "InvalidPem"
  | "InvalidKey"
  | "InvalidCsr"
  | "CsrSignatureInvalid"
  | "InvalidCertificate"
  | "InvalidOptions";

/** The error of every PKI operation (certificates, keys, CSRs). */
export class PkiError extends IsthmusError<PkiErrorCode> {}
