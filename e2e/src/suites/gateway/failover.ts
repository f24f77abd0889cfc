/**
 * Failover helpers for the gateway lab suites and bench/failover: a second gateway candidate in
 * a cluster (the lab wires only node 1 to the WAN, so node 2 gets a WAN veth here, the
 * `isthmus.io/gateway=true` label and a public-IP annotation), the Lease holder, and a loss
 * probe that sends a UDP datagram every few ms from a client pod to an echo pod and reports the
 * longest gap without answers.
 */
import { defaults } from "@isthmus/core/constants";
import type { ClusterPlan } from "@isthmus/lab";
import { runCommand, waitFor } from "@isthmus/lab/testing";
import { workloadNamespace, type GatewayLab, type LabAccess } from "./fixture.js";
import { waitForPath } from "./workloads.js";

/** The WAN address the suites give a standby gateway (node 2) of cluster i: 203.0.113.(20 + i), kept free by the lab plan (its LAN routers use .(30 + i)). */
export const standbyWanAddress = (cluster: ClusterPlan): string => `203.0.113.${20 + cluster.index}`;

/** Gives node 2 of `cluster` a WAN link and makes it a gateway candidate. Idempotent. */
export async function addStandby(lab: LabAccess & Pick<GatewayLab, "plan">, cluster: ClusterPlan): Promise<string> {
  const { wan } = lab.plan;
  const node = cluster.nodes[1];
  if (node === undefined) throw new Error(`cluster ${cluster.id} has no second node`);
  const outside = `w-${cluster.id}n2`;
  const links = (await runCommand(["ip", "-n", wan.netns, "-o", "link", "show"])).stdout;
  if (!links.includes(`${outside}@`)) {
    await runCommand(["ip", "-n", wan.netns, "link", "add", outside, "type", "veth", "peer", "name", "wan0", "netns", node.netns]);
    await runCommand(["ip", "-n", wan.netns, "link", "set", outside, "master", wan.bridge, "up"]);
    await runCommand(["ip", "-n", node.netns, "addr", "add", `${standbyWanAddress(cluster)}/24`, "dev", "wan0"]);
    await runCommand(["ip", "-n", node.netns, "link", "set", "wan0", "up"]);
  }
  // Annotate before labelling: the label starts the gateway pod, which reads its public address
  // once at start (then at each resync); started first, it would announce its LAN address.
  await lab.kubectl(cluster.id, ["annotate", "node", node.name, "--overwrite", `${defaults.publicIpAnnotation}=${standbyWanAddress(cluster)}`]);
  await lab.kubectl(cluster.id, ["label", "node", node.name, "--overwrite", `${defaults.gatewayNodeLabel}=true`]);
  return node.name;
}

/** Undoes {@link addStandby}. */
export async function removeStandby(lab: GatewayLab, cluster: ClusterPlan): Promise<void> {
  const { wan } = lab.plan;
  const node = cluster.nodes[1];
  if (node === undefined) return;
  await lab.kubectl(cluster.id, ["label", "node", node.name, `${defaults.gatewayNodeLabel}-`]).catch(() => "");
  await lab.kubectl(cluster.id, ["annotate", "node", node.name, `${defaults.publicIpAnnotation}-`]).catch(() => "");
  await runCommand(["ip", "-n", wan.netns, "link", "del", `w-${cluster.id}n2`], { allowFailure: true });
}

/** The holder of `cluster`'s gateway Lease ("" when released). */
export async function leaseHolder(lab: LabAccess, cluster: string): Promise<string> {
  return (await lab.kubectl(cluster, ["-n", defaults.namespace, "get", "lease", defaults.gatewayLease, "-o", "jsonpath={.spec.holderIdentity}", "--ignore-not-found"])).trim();
}

/** Waits until `cluster`'s Lease is held by one of `candidates`; returns the holder. */
export async function waitForHolder(lab: LabAccess, cluster: string, candidates: readonly string[], timeoutMs = 60_000): Promise<string> {
  return waitFor(`a gateway Lease holder in ${cluster} among ${candidates.join(", ")}`, async () => {
    const holder = await leaseHolder(lab, cluster);
    return candidates.includes(holder) ? holder : undefined;
  }, { timeoutMs, intervalMs: 250 });
}

/** What a loss probe saw. */
export interface LossReport {
  readonly sent: number;
  readonly answered: number;
  /** Longest time between two answered probes, ms (the loss window). */
  readonly maxGapMs: number;
  /** Answered probes among the last `tail` sent. */
  readonly tailAnswered: number;
}

// Runs inside the client pod: one datagram every INTERVAL ms for COUNT probes to TARGET, each
// answer matched by sequence number; prints the report as JSON.
const probeScript = `
const dgram = require("node:dgram");
const [target, port, interval, count, tail] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const sock = dgram.createSocket("udp4");
const sentAt = [], answered = new Set();
sock.on("message", (msg) => { const m = /^p(\\d+)/.exec(JSON.parse(msg.toString()).path); if (m) answered.add(Number(m[1])); });
let seq = 0;
const start = performance.now();
const tick = () => {
  if (seq < count) { sentAt.push(performance.now() - start); sock.send("p" + seq, port, target); seq++; setTimeout(tick, Math.max(0, start + seq * interval - performance.now())); return; }
  setTimeout(() => {
    let last = 0, maxGap = 0;
    for (let i = 0; i < count; i++) if (answered.has(i)) { maxGap = Math.max(maxGap, sentAt[i] - last); last = sentAt[i]; }
    maxGap = Math.max(maxGap, sentAt[count - 1] - last);
    let tailAnswered = 0; for (let i = count - tail; i < count; i++) if (answered.has(i)) tailAnswered++;
    console.log(JSON.stringify({ sent: count, answered: answered.size, maxGapMs: Math.round(maxGap), tailAnswered }));
    sock.close();
  }, 1000);
};
tick();
`;

/**
 * Probes `targetIp:8080` (UDP echo) from `cluster`'s client pod every `intervalMs` for
 * `durationMs` (bounded); `during` runs meanwhile (the fault). Returns the report.
 */
export async function probeLoss(lab: LabAccess, cluster: string, options: { targetIp: string; intervalMs: number; durationMs: number; tail: number; during: () => Promise<void> }): Promise<LossReport> {
  const { targetIp } = options;
  const count = Math.min(5000, Math.ceil(options.durationMs / options.intervalMs));
  const run = lab.exec(`${cluster}/${workloadNamespace}/client`, [process.execPath, "-e", probeScript, targetIp, "8080", String(options.intervalMs), String(count), String(options.tail)], { timeoutMs: options.durationMs + 20_000 });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await options.during();
  return JSON.parse(await run) as LossReport;
}

/** One connection line of a Gateway resource's status (see gateway/src/agent/gateway-resource.ts). */
export interface GatewayConnectionLine {
  readonly cluster: string;
  readonly gateway: string;
  readonly status: string;
  readonly remoteIp: string;
  readonly behindNat: boolean;
}
interface GatewayStatusObject { status?: { role: string; endpoint: { publicIp: string; privateIp: string; behindNat: boolean }; connections: GatewayConnectionLine[] } }

/** The status of `cluster`'s Gateway object `name`, when it has one. */
export async function gatewayStatus(lab: LabAccess, cluster: string, name: string): Promise<GatewayStatusObject["status"]> {
  const out = await lab.kubectl(cluster, ["get", "gateways.isthmus.io", name, "-o", "json", "--ignore-not-found"]);
  return out.trim() === "" ? undefined : (JSON.parse(out) as GatewayStatusObject).status;
}

/**
 * Waits until c1's Lease is held by one of `candidates`, the other one reports itself passive,
 * the broker lists both c1 endpoints (so c2 knows the standby) and traffic flows both ways.
 * Returns the active candidate.
 */
export async function waitForStandby(lab: GatewayLab, candidates: readonly string[]): Promise<string> {
  const active = await waitForHolder(lab, "c1", candidates);
  await waitFor("the c1 standby's Gateway status and both c1 endpoints at the broker", async () => {
    const standby = await gatewayStatus(lab, "c1", candidates.find((c) => c !== active) ?? "");
    if (standby?.role !== "passive") return undefined;
    const info = await lab.admin.getCluster({ id: "c1" }, { timeoutMs: 2000 });
    return info.endpoints.length === candidates.length || undefined;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  await waitForPath(lab, "c2", "c1");
  await waitForPath(lab, "c1", "c2");
  return active;
}
