/**
 * Helpers of the CNI lab suites: kubectl and exec against a lab (the shared one by default, or a
 * lab of a suite's own), pod manifests for the built-in workloads pinned to nodes, and readers of
 * a node's overlay state (`isthmus.1` neighbours, FDB, routes) and of pod addresses.
 */
import { join } from "node:path";
import { defaults } from "@isthmus/core/constants";
import { labBinaries, runCommand, type RunResult } from "@isthmus/lab/testing";
import { labExecArgv, labKubeconfig, type LabLocation, repoRoot, workloadEntry } from "@isthmus/lab";

/** The built-in workloads' entry (http-get, udp-send). */
export const workloadsMain = join(repoRoot, workloadEntry);

/** A lab to talk to: kubectl per cluster and exec per target (`c1/n1`, `c1/<ns>/<pod>`). */
export interface LabHandle {
  readonly location: LabLocation;
  /** `kubectl --kubeconfig <admin of cluster> args`; stdout; throws on failure. */
  kubectl(cluster: string, args: readonly string[], input?: string): Promise<string>;
  /** Runs argv in a target; stdout; throws on a non-zero exit. */
  exec(target: string, argv: readonly string[], timeoutMs?: number): Promise<string>;
  /** Runs argv in a target; exit code and output, never throws for a non-zero exit. */
  execResult(target: string, argv: readonly string[], timeoutMs?: number): Promise<RunResult>;
}

/** A handle on the lab at `location` (default: the shared lab of the `lab` project). */
export function labHandle(location: LabLocation = {}): LabHandle {
  return {
    location,
    async kubectl(cluster, args, input) {
      const kubectl = (await labBinaries()).kubectl;
      const kubeconfig = await labKubeconfig(cluster, location);
      const { stdout } = await runCommand([kubectl, "--kubeconfig", kubeconfig, ...args], { timeoutMs: 120_000, ...(input === undefined ? {} : { input }) });
      return stdout;
    },
    async exec(target, argv, timeoutMs = 30_000) {
      return (await runCommand([...(await labExecArgv(target, location)), ...argv], { timeoutMs })).stdout;
    },
    async execResult(target, argv, timeoutMs = 30_000) {
      return runCommand([...(await labExecArgv(target, location)), ...argv], { timeoutMs, allowFailure: true });
    },
  };
}

/** What a test pod looks like. */
export interface PodSpec {
  readonly name: string;
  readonly node: string;
  /** `echo`, `client` or `iperf3`. */
  readonly kind: "echo" | "client" | "iperf3";
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Pod object running a built-in workload on a given node. */
export function podManifest(namespace: string, spec: PodSpec): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: spec.name, namespace, labels: { ...spec.labels }, annotations: { ...spec.annotations } },
    spec: { nodeName: spec.node, terminationGracePeriodSeconds: 2, containers: [{ name: spec.kind, image: `lab/${spec.kind}` }] },
  };
}

/** Creates the namespace and pods and waits until every pod is Ready. */
export async function createPods(lab: LabHandle, target: { readonly cluster: string; readonly namespace: string }, pods: readonly PodSpec[], extra: readonly object[] = []): Promise<void> {
  const items = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: target.namespace } }, ...pods.map((p) => podManifest(target.namespace, p)), ...extra];
  await lab.kubectl(target.cluster, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  const names = pods.map((p) => `pod/${p.name}`);
  if (names.length > 0) await lab.kubectl(target.cluster, ["-n", target.namespace, "wait", ...names, "--for=condition=Ready", "--timeout=120s"]);
}

/** The IP of a pod. */
export async function podIp(lab: LabHandle, target: { readonly cluster: string; readonly namespace: string }, name: string): Promise<string> {
  return (await lab.kubectl(target.cluster, ["-n", target.namespace, "get", "pod", name, "-o", "jsonpath={.status.podIP}"])).trim();
}

/** The podCIDR and InternalIP of a node. */
export async function nodeInfo(lab: LabHandle, cluster: string, node: string): Promise<{ podCidr: string; internalIp: string }> {
  const out = await lab.kubectl(cluster, ["get", "node", node, "-o", "jsonpath={.spec.podCIDR} {.status.addresses[?(@.type==\"InternalIP\")].address}"]);
  const [podCidr = "", internalIp = ""] = out.trim().split(" ");
  return { podCidr, internalIp };
}

/** The overlay entries on a node: permanent neighbours, FDB destinations and routes of `isthmus.1`, and its direct routes. */
export interface OverlayState {
  /** Neighbour IP (a peer's podCIDR network address) → MAC. */
  readonly neighbours: ReadonlyMap<string, string>;
  /** FDB MAC → VTEP (peer node IP). */
  readonly fdb: ReadonlyMap<string, string>;
  /** Route destination (a peer's podCIDR) → gateway, on `isthmus.1`. */
  readonly routes: ReadonlyMap<string, string>;
  /** Route destination (a peer's podCIDR) → gateway (the peer's InternalIP), direct on the underlay (`--vxlan-mode cross-subnet`). */
  readonly directRoutes: ReadonlyMap<string, string>;
}

/** Reads a node's overlay entries with `ip -j` and `bridge -j`. */
export async function readOverlay(lab: LabHandle, target: string): Promise<OverlayState> {
  const routes = JSON.parse(await lab.exec(target, ["ip", "-j", "route", "show", "dev", "isthmus.1"])) as { dst?: string; gateway?: string }[];
  const ours = JSON.parse(await lab.exec(target, ["ip", "-j", "route", "show", "proto", String(defaults.cniRouteProtocol)])) as { dst?: string; gateway?: string; dev?: string }[];
  const neighbours = JSON.parse(await lab.exec(target, ["ip", "-j", "neigh", "show", "dev", "isthmus.1", "nud", "permanent"])) as { dst?: string; lladdr?: string }[];
  const fdb = JSON.parse(await lab.exec(target, ["bridge", "-j", "fdb", "show", "dev", "isthmus.1"])) as { mac?: string; dst?: string }[];
  return {
    neighbours: new Map(neighbours.map((n) => [n.dst ?? "", n.lladdr ?? ""])),
    fdb: new Map(fdb.filter((f) => f.dst !== undefined).map((f) => [f.mac ?? "", f.dst ?? ""])),
    routes: new Map(routes.filter((r) => r.gateway !== undefined).map((r) => [r.dst ?? "", r.gateway ?? ""])),
    directRoutes: new Map(ours.filter((r) => r.gateway !== undefined && r.dev !== "isthmus.1").map((r) => [r.dst ?? "", r.gateway ?? ""])),
  };
}

/** Parses `ping -q` output: packets sent and received. */
export function parsePingSummary(text: string): { transmitted: number; received: number } {
  const match = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(text);
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`no ping summary in: ${text.slice(-300)}`);
  return { transmitted: Number(match[1]), received: Number(match[2]) };
}

/** Received throughput (bit/s) of an `iperf3 -J` client run. */
export function parseIperfReceivedBps(json: string): number {
  const report = JSON.parse(json) as { end?: { sum_received?: { bits_per_second?: number } }; error?: string };
  if (report.error !== undefined) throw new Error(`iperf3 failed: ${report.error}`);
  const bps = report.end?.sum_received?.bits_per_second;
  if (bps === undefined) throw new Error("iperf3 report has no end.sum_received.bits_per_second");
  return bps;
}
