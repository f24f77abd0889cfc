import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCidr } from "@isthmus/core/net";
import { createLogger } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatapathBackend } from "../datapath/backend.js";
import { createCommandRunner } from "../datapath/exec.js";
import { addNetns, deleteNetns, netnsPath, requireRoot, sh, testNetnsName } from "../testing/netns.js";
import { type InstallPaths, installCni } from "./install.js";
import { createCniServer } from "./server.js";

requireRoot();

const node = testNetnsName("lnode");
const pod = testNetnsName("lpod");
let work = "";
let paths: InstallPaths;
let server: ReturnType<typeof createCniServer>;
const pluginMain = fileURLToPath(new URL("../../dist/plugin-main.js", import.meta.url));

/** Runs the installed launcher inside the node namespace, as a runtime there would. */
function launch(env: Record<string, string>, stdin: string): Promise<{ code: number; out: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", node, join(paths.cniBinDir, "isthmus-cni")], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code: code ?? -1, out: out === "" ? {} : (JSON.parse(out) as Record<string, unknown>) });
    });
    child.stdin.end(stdin);
  });
}

const conf = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: "1.0.0", name: "isthmus", type: "isthmus-cni", mtu: 1450, ipam: { subnet: "10.1.7.0/24", dataDir: join(work, "ipam") }, ...extra });
const attach = (command: string, extra: Record<string, string> = {}) => ({ CNI_COMMAND: command, CNI_CONTAINERID: "ctr1", CNI_NETNS: netnsPath(pod), CNI_IFNAME: "eth0", CNI_PATH: "/opt/cni/bin", ...extra });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-launcher-"));
  paths = { cniBinDir: join(work, "bin"), cniConfDir: join(work, "net.d"), socketPath: join(work, "run", "cni.sock"), dataDir: join(work, "ipam"), pluginMain, nodeBinary: process.execPath };
  await addNetns(node);
  await addNetns(pod);
  await sh(["ip", "link", "add", "isthmus0", "type", "bridge"], node);
  await sh(["ip", "addr", "add", "10.1.7.1/24", "dev", "isthmus0"], node);
  await sh(["ip", "link", "set", "isthmus0", "up"], node);
  await installCni(parseCidr("10.1.7.0/24"), 1450, paths);
  const backend = createDatapathBackend({ runner: createCommandRunner({ hostNetns: netnsPath(node) }), hostNsRef: node, annotations: { get: () => Promise.resolve({}) } });
  server = createCniServer({ socketPath: paths.socketPath, backend, logger: createLogger({ level: "silent" }) });
  await server.start();
});

afterAll(async () => {
  await server.stop();
  await deleteNetns(pod, node);
  await rm(work, { recursive: true, force: true });
});

describe("the installed launcher", () => {
  it("forwards ADD, CHECK and DEL to the agent and returns its result and exit codes", async () => {
    const add = await launch(attach("ADD", { CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web" }), conf());
    expect(add.code, JSON.stringify(add.out)).toBe(0);
    expect(add.out).toMatchObject({ cniVersion: "1.0.0", ips: [{ address: "10.1.7.2/24", gateway: "10.1.7.1", interface: 1 }] });
    await sh(["ping", "-c", "1", "-W", "2", "10.1.7.1"], pod);
    expect((await launch(attach("CHECK"), conf({ prevResult: add.out }))).code).toBe(0);
    expect(await launch(attach("DEL"), conf())).toEqual({ code: 0, out: {} });
    expect(await launch(attach("DEL"), conf())).toEqual({ code: 0, out: {} });
  });

  it("gives the spec's codes for a bad config, an unknown version and a missing CNI_NETNS", async () => {
    expect((await launch(attach("ADD"), "{not json")).out.code).toBe(6);
    const version = await launch(attach("ADD"), conf({ cniVersion: "0.2.0" }));
    expect(version).toMatchObject({ code: 1, out: { code: 1 } });
    const { CNI_NETNS: _drop, ...noNetns } = attach("ADD");
    expect((await launch(noNetns, conf())).out).toMatchObject({ code: 4, msg: expect.stringMatching(/CNI_NETNS/) as unknown });
    expect((await launch(attach("ADD"), conf({ ipam: { subnet: "10.1.7.0/33" } }))).out.code).toBe(7);
  });

  it("falls back to the standalone plugin when the agent is gone", async () => {
    await server.stop();
    expect(await launch({ CNI_COMMAND: "VERSION" }, conf())).toEqual({ code: 0, out: { cniVersion: "1.0.0", supportedVersions: ["0.4.0", "1.0.0", "1.1.0"] } });
    const k8s = await launch(attach("ADD", { CNI_ARGS: "K8S_POD_NAMESPACE=default;K8S_POD_NAME=web" }), conf());
    expect(k8s.out.code).toBe(11);
    const plain = await launch(attach("ADD"), conf());
    expect(plain.code, JSON.stringify(plain.out)).toBe(0);
    expect((await launch(attach("DEL"), conf())).code).toBe(0);
    expect(await sh(["ip", "-o", "link", "show"], pod)).not.toContain("eth0");
  });
});
