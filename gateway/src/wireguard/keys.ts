import { createPrivateKey, createPublicKey, randomBytes } from "node:crypto";
import { WireguardError } from "./errors.js";

/** Length in bytes of every WireGuard key (Curve25519). */
export const keyLength = 32;

/** A WireGuard key pair, both keys base64 of 32 raw bytes as `wg` and configs spell them. */
export interface KeyPair {
  /** The private key; it never leaves the node (a Secret or a 0600 file). */
  readonly privateKey: string;
  /** The public key; the only key published to the broker. */
  readonly publicKey: string;
}

// PKCS#8 DER prefix of an X25519 private key; the 32 raw key bytes follow it.
const pkcs8X25519Prefix = Buffer.from("302e020100300506032b656e04220420", "hex");
const base64KeyPattern = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const hexKeyPattern = /^[0-9a-f]{64}$/;

/** True when `text` is a canonical base64 WireGuard key (44 characters, 32 bytes). */
export function isBase64Key(text: string): boolean {
  return base64KeyPattern.test(text);
}

/** The 32 raw bytes of a base64 key; throws WireguardError "InvalidKey". */
export function keyFromBase64(text: string): Buffer {
  if (!isBase64Key(text)) {
    throw new WireguardError("InvalidKey", `Invalid WireGuard key: expected base64 of ${keyLength} bytes (44 characters ending in "="), got ${text.length} characters`);
  }
  return Buffer.from(text, "base64");
}

/** The 32 raw bytes of a lowercase-hex key (UAPI spelling); throws WireguardError "InvalidKey". */
export function keyFromHex(text: string): Buffer {
  if (!hexKeyPattern.test(text)) {
    throw new WireguardError("InvalidKey", `Invalid WireGuard key: expected ${keyLength * 2} lowercase hex characters, got ${text.length} characters`);
  }
  return Buffer.from(text, "hex");
}

/** Base64 spelling of 32 raw key bytes; throws WireguardError "InvalidKey" for another length. */
export function keyToBase64(raw: Uint8Array): string {
  return checkedRaw(raw).toString("base64");
}

/** Lowercase-hex (UAPI) spelling of 32 raw key bytes; throws WireguardError "InvalidKey" for another length. */
export function keyToHex(raw: Uint8Array): string {
  return checkedRaw(raw).toString("hex");
}

/** Converts a base64 key to its UAPI hex spelling. */
export function base64KeyToHex(text: string): string {
  return keyFromBase64(text).toString("hex");
}

/** Converts a UAPI hex key to its base64 spelling. */
export function hexKeyToBase64(text: string): string {
  return keyFromHex(text).toString("base64");
}

/** A fresh private key: 32 random bytes clamped as Curve25519 requires (as `wg genkey` does), base64. */
export function generatePrivateKey(): string {
  const raw = randomBytes(keyLength);
  clamp(raw);
  return raw.toString("base64");
}

/** The X25519 public key of a base64 private key, base64 (what `wg pubkey` prints). */
export function publicKeyFromPrivate(privateKey: string): string {
  const der = Buffer.concat([pkcs8X25519Prefix, keyFromBase64(privateKey)]);
  const jwk = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" })).export({ format: "jwk" });
  if (typeof jwk.x !== "string") throw new WireguardError("InvalidKey", "Cannot derive a public key: node:crypto returned no X25519 public value");
  return Buffer.from(jwk.x, "base64url").toString("base64");
}

/** Generates a key pair with `node:crypto` X25519. */
export function generateKeyPair(): KeyPair {
  const privateKey = generatePrivateKey();
  return { privateKey, publicKey: publicKeyFromPrivate(privateKey) };
}

/** True when the key's 32 bytes are all zero (UAPI's "no key", e.g. an unset preshared key). */
export function isZeroKey(raw: Uint8Array): boolean {
  return raw.every((b) => b === 0);
}

function checkedRaw(raw: Uint8Array): Buffer {
  if (raw.length !== keyLength) {
    throw new WireguardError("InvalidKey", `Invalid WireGuard key: expected ${keyLength} bytes, got ${raw.length}`);
  }
  return Buffer.from(raw);
}

function clamp(raw: Buffer): void {
  raw[0] = (raw[0] ?? 0) & 248;
  raw[31] = ((raw[31] ?? 0) & 127) | 64;
}
