import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMssClamp, mssClampTable } from "../cable/mss-clamp.js";
import { createIpTool } from "../system/ip.js";
import { createNetnsLab, execIn, ipIn, requireRoot, waitFor } from "../testing/netns.js";

// `isthmus-gateway --uninstall` on a node where a gateway agent still runs (its pod not stopped
// yet): the agent would restart wireguard-go and re-apply the device's MSS clamp right after the
// uninstall removed them, and both stayed behind (ADR 0408: the interop suite's uninstall after a
// failover). The uninstall refuses while the agent's metrics port answers, and changes nothing.
const main = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
const port = 19471;
const netnsLab = createNetnsLab();
let node = "";
let keyDir = "";
let agent: ChildProcess | undefined;

const uninstall = async (): Promise<{ code: number | null; stderr: string }> => {
  const child = spawn("ip", ["netns", "exec", node, process.execPath, main, "--uninstall", "--node-name", "n1", "--pod-cidrs", "10.9.0.0/16", "--service-cidrs", "10.99.0.0/16", "--kubeconfig", "/dev/null/none", "--metrics-port", String(port), "--key-dir", keyDir, "--wireguard-backend", "userspace"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stderr };
};
const hasDevice = async (): Promise<boolean> => (await ipIn(node, ["-o", "link", "show"])).includes("isthmus-wg:");
const hasClamp = (): Promise<boolean> => createIpTool(node).hasNftTable("inet", mssClampTable("isthmus-wg"));

beforeAll(async () => {
  requireRoot();
  node = await netnsLab.add("node");
  keyDir = await mkdtemp(join(tmpdir(), "isthmus-uninstall-"));
  // What a gateway agent leaves on its node: the device (a persistent tun stands in for wireguard-go's) and its clamp.
  await ipIn(node, ["tuntap", "add", "dev", "isthmus-wg", "mode", "tun"]);
  await applyMssClamp(createIpTool(node), "isthmus-wg");
}, 60_000);

afterAll(async () => {
  agent?.kill("SIGKILL");
  await netnsLab.cleanup();
  await rm(keyDir, { recursive: true, force: true });
});

describe("isthmus-gateway --uninstall", () => {
  it("refuses while a gateway agent still answers on the node, and changes nothing", async () => {
    agent = spawn("ip", ["netns", "exec", node, process.execPath, "-e", `require("node:net").createServer().listen(${String(port)}, "0.0.0.0")`], { stdio: "ignore" });
    await waitFor("the stand-in agent to listen", async () => (await execIn(node, "ss", ["-ltnH", `sport = :${String(port)}`])).trim() !== "");
    const refused = await uninstall();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`an isthmus-gateway agent still answers on port ${String(port)}`);
    expect(await hasDevice()).toBe(true);
    expect(await hasClamp()).toBe(true);
  }, 60_000);

  it("removes the device and the clamp once the agent is gone", async () => {
    agent?.kill("SIGKILL");
    await waitFor("the stand-in agent to stop listening", async () => (await execIn(node, "ss", ["-ltnH", `sport = :${String(port)}`])).trim() === "");
    const done = await uninstall();
    expect(done).toMatchObject({ code: 0 });
    expect(await hasDevice()).toBe(false);
    expect(await hasClamp()).toBe(false);
  }, 60_000);
});
