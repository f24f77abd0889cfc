import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { errorMessage } from "../errors.js";
import { PkiError } from "./errors.js";

// @peculiar/x509 works on WebCrypto; Node's implementation is complete for ECDSA P-256.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The one key algorithm Isthmus uses: ECDSA on P-256 with SHA-256 signatures. */
export const ecdsaP256 = Object.freeze({ name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" });

/** Generates an extractable ECDSA P-256 key pair. */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ecdsaP256, true, ["sign", "verify"]);
}

/** Exports a private key as PKCS#8 PEM ("PRIVATE KEY"). */
export async function exportPrivateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** Exports a public key as SPKI PEM ("PUBLIC KEY"). */
export async function exportPublicKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("spki", key);
  return x509.PemConverter.encode(der, "PUBLIC KEY");
}

/** Imports a PKCS#8 PEM ECDSA P-256 private key for signing. */
export async function importPrivateKeyPem(pem: string): Promise<webcrypto.CryptoKey> {
  const der = decodePem(pem, "PRIVATE KEY");
  try {
    return await webcrypto.subtle.importKey("pkcs8", der, ecdsaP256, true, ["sign"]);
  } catch (err) {
    throw new PkiError("InvalidKey", `Cannot import private key: not an ECDSA P-256 PKCS#8 key (${errorMessage(err)})`, {
      cause: err,
    });
  }
}

/** Imports an SPKI PEM ECDSA P-256 public key. */
export async function importPublicKeyPem(pem: string): Promise<webcrypto.CryptoKey> {
  const der = decodePem(pem, "PUBLIC KEY");
  try {
    return await webcrypto.subtle.importKey("spki", der, ecdsaP256, true, ["verify"]);
  } catch (err) {
    throw new PkiError("InvalidKey", `Cannot import public key: not an ECDSA P-256 SPKI key (${errorMessage(err)})`, {
      cause: err,
    });
  }
}

/** Decodes the first PEM block of the given type; throws `InvalidPem` when there is none. */
export function decodePem(pem: string, type: string): ArrayBuffer {
  const marker = `-----BEGIN ${type}-----`;
  if (!pem.includes(marker)) {
    throw new PkiError("InvalidPem", `Expected a PEM block "${type}" but found none`);
  }
  try {
    const blocks = x509.PemConverter.decodeWithHeaders(pem).filter((b) => b.type === type);
    const first = blocks[0];
    if (first === undefined) throw new Error(`no ${type} block`);
    return first.rawData;
  } catch (err) {
    throw new PkiError("InvalidPem", `Cannot decode PEM block "${type}": ${errorMessage(err)}`, { cause: err });
  }
}
