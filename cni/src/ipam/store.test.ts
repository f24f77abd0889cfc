import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCidr, parseIp } from "@isthmus/core/net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createIpamStore } from "./store.js";

let dataDir = "";
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "isthmus-test-cni-ipam-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const store = (subnet = "10.1.1.0/24") => createIpamStore({ dataDir, network: "isthmus", subnet: parseCidr(subnet), gateway: parseIp(subnet.replace(/0\/\d+$/, "1")) });
const key = (containerId: string) => ({ containerId, ifName: "eth0" });

describe("createIpamStore", () => {
  it("hands out addresses after the gateway, round-robin, and the same one again to the same attachment", async () => {
    const s = store();
    expect((await s.allocate(key("a"))).toString()).toBe("10.1.1.2");
    expect((await s.allocate(key("b"))).toString()).toBe("10.1.1.3");
    expect((await s.allocate(key("a"))).toString()).toBe("10.1.1.2");
    await s.release(key("a"));
    expect((await s.allocate(key("c"))).toString()).toBe("10.1.1.4");
  });

  it("never hands out one address twice under concurrent allocations", async () => {
    const s1 = store();
    const s2 = store();
    const ips = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? s1 : s2).allocate(key(`c${i}`))));
    expect(new Set(ips.map(String)).size).toBe(40);
  });

  it("gives a requested address and refuses it when taken or outside the pod CIDR", async () => {
    const s = store();
    expect((await s.allocate(key("a"), parseIp("10.1.1.77"))).toString()).toBe("10.1.1.77");
    await expect(s.allocate(key("b"), parseIp("10.1.1.77"))).rejects.toMatchObject({ code: "AddressTaken", message: expect.stringMatching(/in use by container a/) as unknown });
    await expect(s.allocate(key("b"), parseIp("10.2.0.5"))).rejects.toMatchObject({ code: "AddressOutOfRange" });
    await expect(s.allocate(key("b"), parseIp("10.1.1.1"))).rejects.toMatchObject({ code: "AddressOutOfRange" });
    await expect(s.allocate(key("b"), parseIp("10.1.1.255"))).rejects.toMatchObject({ code: "AddressOutOfRange" });
  });

  it("reports exhaustion", async () => {
    const s = store("10.1.1.0/30");
    await s.allocate(key("a"));
    await expect(s.allocate(key("b"))).rejects.toMatchObject({ code: "PoolExhausted" });
  });

  it("releases idempotently and GC reclaims everything not valid, including stray temporaries", async () => {
    const s = store();
    await s.allocate(key("a"));
    await s.allocate(key("b"));
    await s.allocate(key("c"));
    expect(await s.release(key("x"))).toEqual([]);
    const stray = join(s.dir, ".tmp-1-dead");
    await writeFile(stray, "half");
    const { utimes } = await import("node:fs/promises");
    await utimes(stray, new Date(0), new Date(0));
    const leaked = await s.gc([key("b")]);
    expect(leaked.map((a) => a.containerId).sort()).toEqual(["a", "c"]);
    expect((await s.list()).map((a) => a.containerId)).toEqual(["b"]);
    expect((await readdir(s.dir)).filter((n) => n.startsWith(".tmp-"))).toEqual([]);
  });
});

const storeModule = fileURLToPath(new URL("../../dist/ipam/store.js", import.meta.url));
const coreModule = fileURLToPath(new URL("../../../core/dist/net/index.js", import.meta.url));
const childScript = `
const { createIpamStore } = await import(${JSON.stringify(storeModule)});
const { parseCidr, parseIp } = await import(${JSON.stringify(coreModule)});
const s = createIpamStore({ dataDir: process.argv[1], network: "isthmus", subnet: parseCidr("10.1.0.0/22"), gateway: parseIp("10.1.0.1") });
process.stdout.write("ready\\n");
for (let i = 0; i < 200; i++) {
  const id = "p" + process.pid + "-" + i;
  const ip = await s.allocate({ containerId: id, ifName: "eth0" });
  process.stdout.write(ip + " " + id + "\\n");
}
`;

function runAndKill(delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", childScript, dataDir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    let timer: NodeJS.Timeout | undefined;
    child.stdout.once("data", () => (timer = setTimeout(() => child.kill("SIGKILL"), delayMs)));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL" && code !== 0) reject(new Error(`allocator child failed: ${err}`));
      else resolve(out);
    });
  });
}

describe("crash safety (needs `npx tsc -b cni`)", () => {
  it("never double-allocates when allocating processes are killed at random points", { timeout: 60_000 }, async () => {
    const rounds = await Promise.all([5, 15, 30, 45, 60, 90].map((delay) => runAndKill(delay)));
    const claimed = new Map<string, string>();
    for (const line of rounds.join("").split("\n").filter((l) => l !== "" && l !== "ready")) {
      const [ip = "", id = ""] = line.split(" ");
      expect(claimed.get(ip) ?? id).toBe(id);
      claimed.set(ip, id);
    }
    expect(claimed.size).toBeGreaterThan(0);
    const s = createIpamStore({ dataDir, network: "isthmus", subnet: parseCidr("10.1.0.0/22"), gateway: parseIp("10.1.0.1") });
    const onDisk = new Map((await s.list()).map((a) => [a.ip.toString(), a.containerId]));
    for (const [ip, id] of claimed) expect(onDisk.get(ip)).toBe(id);
    const fresh = await s.allocate(key("after-crash"));
    expect(onDisk.has(fresh.toString())).toBe(false);
  });
});
