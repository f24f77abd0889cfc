import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleCniInvocation } from "../plugin/dispatch.js";
import { addNetns, deleteNetns, netnsPath, requireRoot, sh, testNetnsName } from "../testing/netns.js";
import { createDatapathBackend } from "./backend.js";
import { createCommandRunner } from "./exec.js";

requireRoot();

const node = testNetnsName("node");
const pods = [testNetnsName("pa"), testNetnsName("pb"), testNetnsName("pc")];
let dataDir = "";
const annotations: Record<string, Record<string, string>> = {};

const backend = () =>
  createDatapathBackend({
    runner: createCommandRunner({ hostNetns: netnsPath(node) }),
    hostNsRef: node,
    dataDir,
    annotations: { get: (pod) => Promise.resolve(annotations[pod.name] ?? {}) },
  });

const conf = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: "1.1.0", name: "isthmus", type: "isthmus-cni", mtu: 1450, ipam: { subnet: "10.1.1.0/24" }, ...extra });

function env(command: string, pod: string, containerId = `ctr-${pod.slice(-6)}`): Record<string, string> {
  return { CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: netnsPath(pod), CNI_IFNAME: "eth0", CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod}` };
}

async function cni(command: string, pod: string, extra: Record<string, unknown> = {}) {
  const outcome = await handleCniInvocation(env(command, pod), conf(extra), backend());
  return { exitCode: outcome.exitCode, out: outcome.stdout === "" ? {} : (JSON.parse(outcome.stdout) as Record<string, unknown>) };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "isthmus-test-cni-data-"));
  await addNetns(node);
  for (const pod of pods) await addNetns(pod);
  await sh(["ip", "link", "add", "isthmus0", "type", "bridge"], node);
  await sh(["ip", "addr", "add", "10.1.1.1/24", "dev", "isthmus0"], node);
  await sh(["ip", "link", "set", "isthmus0", "up"], node);
});

afterAll(async () => {
  await deleteNetns(...pods, node);
  await rm(dataDir, { recursive: true, force: true });
});

describe("data path in network namespaces", () => {
  let first: Record<string, unknown> = {};

  it("ADD gives the pod eth0 with its address, default route and MTU, reachable from the node", async () => {
    const { exitCode, out } = await cni("ADD", pods[0] ?? "");
    expect(exitCode, JSON.stringify(out)).toBe(0);
    first = out;
    expect(out.ips).toEqual([{ address: "10.1.1.2/24", gateway: "10.1.1.1", interface: 1 }]);
    const link = JSON.parse(await sh(["ip", "-j", "link", "show", "dev", "eth0"], pods[0])) as { mtu: number }[];
    expect(link[0]?.mtu).toBe(1450);
    await sh(["ping", "-c", "1", "-W", "2", "10.1.1.1"], pods[0]);
  });

  it("CHECK passes on a healthy attachment and fails with code 100 when the route is gone", async () => {
    expect((await cni("CHECK", pods[0] ?? "", { prevResult: first })).exitCode).toBe(0);
    await sh(["ip", "route", "del", "default"], pods[0]);
    const broken = await cni("CHECK", pods[0] ?? "", { prevResult: first });
    expect(broken.out.code).toBe(100);
    expect(broken.out.msg).toMatch(/default route via 10\.1\.1\.1 is missing/);
    await sh(["ip", "route", "add", "default", "via", "10.1.1.1"], pods[0]);
    await sh(["ip", "addr", "flush", "dev", "eth0"], pods[0]);
    const noAddress = await cni("CHECK", pods[0] ?? "", { prevResult: first });
    expect(noAddress.out.code).toBe(100);
    expect(noAddress.out.msg).toMatch(/address 10\.1\.1\.2\/24 is missing/);
  });

  it("DEL removes the attachment and succeeds twice, also once the namespace is gone", async () => {
    expect((await cni("DEL", pods[0] ?? "")).exitCode).toBe(0);
    expect((await sh(["ip", "-j", "link", "show"], pods[0]))).not.toContain("eth0");
    expect((await cni("DEL", pods[0] ?? "")).exitCode).toBe(0);
    const gone = testNetnsName("gone");
    const outcome = await handleCniInvocation({ ...env("DEL", gone), CNI_NETNS: netnsPath(gone) }, conf(), backend());
    expect(outcome.exitCode).toBe(0);
  });

  it("gives two pods distinct addresses that reach each other, with a fixed IP from the annotation", async () => {
    annotations[pods[1] ?? ""] = { "isthmus.io/ip-address": "10.1.1.50" };
    const b = await cni("ADD", pods[1] ?? "");
    expect(b.out.ips).toEqual([{ address: "10.1.1.50/24", gateway: "10.1.1.1", interface: 1 }]);
    annotations[pods[2] ?? ""] = { "isthmus.io/ip-address": "10.1.1.50" };
    const taken = await cni("ADD", pods[2] ?? "");
    expect(taken.out.code).toBe(102);
    annotations[pods[2] ?? ""] = { "isthmus.io/ip-address": "10.9.9.9" };
    expect((await cni("ADD", pods[2] ?? "")).out.code).toBe(101);
    annotations[pods[2] ?? ""] = {};
    expect((await cni("ADD", pods[2] ?? "")).exitCode).toBe(0);
    await sh(["ping", "-c", "1", "-W", "2", "10.1.1.50"], pods[2]);
  });

  it("GC removes leaked attachments and keeps valid ones", async () => {
    const valid = [{ containerID: `ctr-${(pods[1] ?? "").slice(-6)}`, ifname: "eth0" }];
    const outcome = await handleCniInvocation({ CNI_COMMAND: "GC" }, conf({ "cni.dev/valid-attachments": valid }), backend());
    expect(outcome.exitCode).toBe(0);
    expect(await sh(["ip", "-j", "link", "show"], pods[2])).not.toContain("eth0");
    expect(await sh(["ip", "-j", "link", "show"], pods[1])).toContain("eth0");
  });

  it("reports a missing namespace on ADD with code 4 and STATUS without a bridge with code 50", async () => {
    const gone = testNetnsName("gone");
    const outcome = await handleCniInvocation({ ...env("ADD", gone), CNI_NETNS: netnsPath(gone) }, conf(), backend());
    expect((JSON.parse(outcome.stdout) as { code: number }).code).toBe(4);
    const status = await handleCniInvocation({ CNI_COMMAND: "STATUS" }, conf({ bridge: "isthmus9" }), backend());
    expect((JSON.parse(status.stdout) as { code: number }).code).toBe(50);
    expect((await handleCniInvocation({ CNI_COMMAND: "STATUS" }, conf(), backend())).exitCode).toBe(0);
  });
});
