import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminFileBeside, readBrokerInfo, writeBrokerFile, type BrokerInfo } from "./info.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-info-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const info: BrokerInfo = { kind: "isthmus-broker-info", address: "203.0.113.11:7443", caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", token: "secret", tokenExpiresAt: "2030-01-01T00:00:00Z" };

describe("broker-info files", () => {
  it("round-trips and is written readable only by its owner", async () => {
    const file = join(dir, "broker-info.json");
    await writeBrokerFile(file, info);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readBrokerInfo(file, new Date("2029-01-01T00:00:00Z"))).toEqual(info);
  });
  it("refuses an expired token with the way out", async () => {
    const file = join(dir, "expired.json");
    await writeBrokerFile(file, { ...info, tokenExpiresAt: "2020-01-01T00:00:00Z" });
    await expect(readBrokerInfo(file)).rejects.toThrow(/expired at 2020-01-01T00:00:00Z: create a new one with "isthmus token create/);
  });
  it.each([
    ["a missing file", undefined, /does not exist/],
    ["not JSON", "{", /not a valid broker-info file/],
    ["another kind", JSON.stringify({ ...info, kind: "x" }), /not a broker-info file/],
    ["no token", JSON.stringify({ ...info, token: "" }), /"token" is missing/],
    ["a CA that is not PEM", JSON.stringify({ ...info, caPem: "hello" }), /caPem is not a PEM certificate/],
  ])("says what is wrong with %s", async (_what, content, message) => {
    const file = join(dir, `bad-${String(Math.random()).slice(2)}.json`);
    if (content !== undefined) await writeFile(file, content);
    await expect(readBrokerInfo(file)).rejects.toThrow(message);
  });
  it("puts the admin file beside the info file", () => {
    expect(adminFileBeside("/a/b/info.json")).toBe("/a/b/broker-admin.json");
    expect(adminFileBeside("info.json")).toBe("broker-admin.json");
  });
});
