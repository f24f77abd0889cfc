import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { base64KeyToHex, generateKeyPair, hexKeyToBase64, isBase64Key, keyFromBase64, keyToBase64, publicKeyFromPrivate } from "./keys.js";

// RFC 7748 §6.1 test vector (Alice).
const alicePrivateHex = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const alicePublicHex = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

describe("keys", () => {
  it("derives the RFC 7748 public key", () => {
    expect(base64KeyToHex(publicKeyFromPrivate(hexKeyToBase64(alicePrivateHex)))).toBe(alicePublicHex);
  });

  it("generates clamped key pairs whose public key matches the derivation", () => {
    const pair = generateKeyPair();
    expect(isBase64Key(pair.privateKey)).toBe(true);
    expect(publicKeyFromPrivate(pair.privateKey)).toBe(pair.publicKey);
    const raw = keyFromBase64(pair.privateKey);
    expect((raw[0] ?? 0) & 7).toBe(0);
    expect((raw[31] ?? 0) & 0xc0).toBe(0x40);
    expect(generateKeyPair().privateKey).not.toBe(pair.privateKey);
  });

  it("agrees with `wg pubkey`", () => {
    const pair = generateKeyPair();
    expect(execFileSync("wg", ["pubkey"], { input: pair.privateKey, encoding: "utf8" }).trim()).toBe(pair.publicKey);
  });

  it("converts between base64 and hex", () => {
    const b64 = hexKeyToBase64(alicePublicHex);
    expect(base64KeyToHex(b64)).toBe(alicePublicHex);
    expect(keyToBase64(Buffer.from(alicePublicHex, "hex"))).toBe(b64);
  });

  it("rejects malformed keys with InvalidKey", () => {
    expect(() => keyFromBase64("abc")).toThrow(expect.objectContaining({ code: "InvalidKey" }));
    expect(() => hexKeyToBase64("zz")).toThrow(expect.objectContaining({ code: "InvalidKey" }));
    expect(() => keyToBase64(new Uint8Array(31))).toThrow(expect.objectContaining({ code: "InvalidKey" }));
    expect(isBase64Key(`${"A".repeat(43)}=`)).toBe(true);
    expect(isBase64Key(`${"A".repeat(42)}B=`)).toBe(false);
  });
});
