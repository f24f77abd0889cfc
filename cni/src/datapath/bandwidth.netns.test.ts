import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleCniInvocation } from "../plugin/dispatch.js";
import { addNetns, deleteNetns, netnsPath, requireRoot, sh, testNetnsName, waitFor } from "../testing/netns.js";
import { createDatapathBackend } from "./backend.js";
import { createCommandRunner } from "./exec.js";

requireRoot();

const node = testNetnsName("bwnode");
const client = testNetnsName("bwc");
const server = testNetnsName("bws");
let dataDir = "";
const annotations: Record<string, Record<string, string>> = {};
const backend = () =>
  createDatapathBackend({ runner: createCommandRunner({ hostNetns: netnsPath(node) }), hostNsRef: node, dataDir, annotations: { get: (pod) => Promise.resolve(annotations[pod.name] ?? {}) } });
const conf = JSON.stringify({ cniVersion: "1.1.0", name: "isthmus", type: "isthmus-cni", mtu: 1450, ipam: { subnet: "10.1.1.0/24" } });
const env = (command: string, pod: string) => ({ CNI_COMMAND: command, CNI_CONTAINERID: `ctr-${pod.slice(-6)}`, CNI_NETNS: netnsPath(pod), CNI_IFNAME: "eth0", CNI_ARGS: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod}` });

async function add(pod: string): Promise<string> {
  const outcome = await handleCniInvocation(env("ADD", pod), conf, backend());
  expect(outcome.exitCode, outcome.stdout).toBe(0);
  const result = JSON.parse(outcome.stdout) as { ips: { address: string }[] };
  return (result.ips[0]?.address ?? "").split("/")[0] ?? "";
}

/** Runs a bounded iperf3 (3 s) from `from` to `to` and returns the receiver's bits per second. */
async function iperf(from: string, to: string, serverIp: string, reverse = false): Promise<number> {
  const srv = spawn("ip", ["netns", "exec", to, "iperf3", "-s", "-1", "-B", serverIp], { stdio: "ignore" });
  try {
    await waitFor("iperf3 server", async () => (await sh(["ss", "-ltn"], to)).includes(":5201"));
    const args = ["iperf3", "-c", serverIp, "-t", "3", "-J", ...(reverse ? ["-R"] : [])];
    const report = JSON.parse(await sh(args, from)) as { end: { sum_received: { bits_per_second: number } } };
    return report.end.sum_received.bits_per_second;
  } finally {
    srv.kill();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "isthmus-test-cni-data-"));
  for (const ns of [node, client, server]) await addNetns(ns);
  await sh(["ip", "link", "add", "isthmus0", "type", "bridge"], node);
  await sh(["ip", "addr", "add", "10.1.1.1/24", "dev", "isthmus0"], node);
  await sh(["ip", "link", "set", "isthmus0", "up"], node);
});

afterAll(async () => {
  await deleteNetns(client, server, node);
  await rm(dataDir, { recursive: true, force: true });
});

describe("bandwidth annotations", () => {
  it("shapes a pod's egress and ingress to 10 Mbit/s ±15 % and removes the shaping on DEL", async () => {
    annotations[client] = { "kubernetes.io/egress-bandwidth": "10M", "kubernetes.io/ingress-bandwidth": "10M" };
    await add(client);
    const serverIp = await add(server);
    const egress = await iperf(client, server, serverIp);
    expect(egress).toBeGreaterThan(8.5e6);
    expect(egress).toBeLessThan(11.5e6);
    const ingress = await iperf(client, server, serverIp, true);
    expect(ingress).toBeGreaterThan(8.5e6);
    expect(ingress).toBeLessThan(11.5e6);
    const devices = await sh(["ip", "-o", "link", "show"], node);
    expect(devices).toMatch(/isb-[0-9a-f]{10}/);
    expect((await handleCniInvocation(env("DEL", client), conf, backend())).exitCode).toBe(0);
    expect(await sh(["ip", "-o", "link", "show"], node)).not.toMatch(/isb-[0-9a-f]{10}/);
  });
});
