/**
 * Helpers of the CLI suites: run the built `isthmus` command (output captured),
 * snapshot a lab cluster (API objects, node labels and annotations, the Corefile, and on each
 * node its links, routes and nft tables) to compare before and after, and take the gateway and
 * DNS suites' locks so that no other suite deploys agents into the shared lab meanwhile; render
 * the Helm chart with a real Helm (built from the Go module proxy like the lab's binaries).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { loadAllYaml } from "@kubernetes/client-node";
import { ensureTool } from "@isthmus/lab/binaries";
import { acquireLock, labExecOutput, labKubectl, runCommand, waitFor } from "@isthmus/lab/testing";
import { repoRoot, requireLab } from "@isthmus/lab";

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `isthmus` command (`node cli/bin/isthmus.js ...args`) and captures its output. */
export async function isthmus(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CliRun> {
  const result = await runCommand([process.execPath, join(repoRoot, "cli/bin/isthmus.js"), ...args], { timeoutMs: options.timeoutMs ?? 300_000, allowFailure: true });
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}

/** The admin kubeconfig of a lab cluster. */
export async function kubeconfigOf(cluster: string): Promise<string> {
  const { plan } = await requireLab();
  return join(plan.stateDir, cluster, "admin.kubeconfig");
}

interface Item { metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; data?: unknown; kind?: string }

const hash = (v: unknown): string => createHash("sha256").update(JSON.stringify(v ?? null)).digest("hex").slice(0, 12);

/**
 * Namespaces whose objects the snapshot covers: those isthmus writes to, and the system ones.
 * Other suites create and delete their own namespaces on the shared lab meanwhile.
 */
const watchedNamespaces = new Set(["default", "kube-system", "kube-public", "kube-node-lease", "isthmus-system", "isthmus-broker", "isthmus-verify", "demo"]);

/** API objects of a cluster that join could touch, as sorted lines (ConfigMaps and Secrets with a hash of their data). */
export async function apiSnapshot(cluster: string): Promise<string[]> {
  const lines: string[] = [];
  const kinds = ["namespaces", "customresourcedefinitions", "clusterroles", "clusterrolebindings", "configmaps", "secrets", "serviceaccounts", "roles", "rolebindings", "services", "deployments", "daemonsets", "pods"];
  for (const kind of kinds) {
    const list = JSON.parse(await labKubectl(cluster, ["get", kind, "-A", "-o", "json"])) as { items: Item[] };
    for (const item of list.items) {
      if (item.metadata.namespace !== undefined && !watchedNamespaces.has(item.metadata.namespace)) continue;
      if (kind === "namespaces" && !watchedNamespaces.has(item.metadata.name)) continue;
      if (kind === "pods" && item.metadata.namespace !== "isthmus-system") continue;
      if (kind === "pods") {
        lines.push(`pod ${item.metadata.namespace ?? ""}/${item.metadata.labels?.["app.kubernetes.io/name"] ?? item.metadata.name}`);
        continue;
      }
      const data = kind === "configmaps" || kind === "secrets" ? ` ${hash(item.data)}` : "";
      lines.push(`${kind} ${item.metadata.namespace ?? ""}/${item.metadata.name}${data}`);
    }
  }
  const nodes = JSON.parse(await labKubectl(cluster, ["get", "nodes", "-o", "json"])) as { items: Item[] };
  for (const n of nodes.items) {
    const annotations = Object.entries(n.metadata.annotations ?? {}).filter(([k]) => k.includes("isthmus"));
    lines.push(`node ${n.metadata.name} labels=${JSON.stringify(Object.entries(n.metadata.labels ?? {}).sort())} annotations=${JSON.stringify(annotations.sort())}`);
  }
  return lines.sort();
}

/**
 * The pod network bridge gets its IPv6 link-local address and routes when its first pod
 * attaches and keeps them after: a trace of the workloads that ran, not of join or uninstall.
 */
function isBridgeLinkLocal(line: string): boolean {
  return `${line} `.includes(" dev isthmus0 ") && /(^|\s)(fe80::|ff00::)/.test(line);
}

/** Each node's links, routes (all tables) and nft tables, without pods' veths and the bridge's link-local routes. */
export async function nodeSnapshot(cluster: string): Promise<string[]> {
  const { plan } = await requireLab();
  const found = plan.clusters.find((c) => c.id === cluster);
  const lines: string[] = [];
  for (const node of found?.nodes ?? []) {
    const out = await labExecOutput(`${cluster}/${node.name}`, ["sh", "-c", "ip -o link | cut -d: -f2; ip route show table all; nft list tables"]);
    for (const line of out.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.includes("isv-") && !isBridgeLinkLocal(l))) lines.push(`${node.name}: ${line}`);
  }
  return lines.sort();
}

/** Takes the gateway and DNS suites' locks on the shared lab; returns the release. */
export async function lockAgentSuites(): Promise<() => Promise<void>> {
  const { plan } = await requireLab();
  const releases = [await acquireLock(join(plan.stateDir, "gateway-suite.lock"), { waitMs: 900_000 }), await acquireLock(join(plan.stateDir, "dns-suite.lock"), { waitMs: 900_000 })];
  // A suite that finished may still be deleting its namespaces (--wait=false): let them go first.
  for (const cluster of plan.clusters) {
    await waitFor(`${cluster.id}'s terminating namespaces to go`, async () => {
      const list = JSON.parse(await labKubectl(cluster.id, ["get", "namespaces", "-o", "json"])) as { items: { status?: { phase?: string } }[] };
      return list.items.some((n) => n.status?.phase === "Terminating") ? undefined : true;
    }, { timeoutMs: 180_000, intervalMs: 1000 });
  }
  return async () => {
    for (const release of releases.reverse()) await release();
  };
}

/** The chart in this checkout. */
export const chartPath = join(repoRoot, "deploy/helm/isthmus");

/** A Kubernetes object as parsed from YAML or JSON. */
export interface PlainObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

/** Objects sorted by kind, namespace and name (for comparing two renderings). */
export function sortedObjects(objects: readonly PlainObject[]): PlainObject[] {
  const key = (o: PlainObject): string => `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
  return [...objects].sort((a, b) => key(a).localeCompare(key(b)));
}

/** Runs the pinned Helm (built into the binaries cache the first time, with progress on stdout). */
export async function helm(args: readonly string[]): Promise<CliRun> {
  const path = await ensureTool("helm", { onProgress: (line) => process.stdout.write(`${line}\n`) });
  const result = await runCommand([path, ...args], { timeoutMs: 120_000, allowFailure: true });
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}

/** `helm template` of the chart with one values file: the YAML text and the parsed objects. */
export async function helmTemplate(valuesFile: string): Promise<{ text: string; objects: PlainObject[] }> {
  const run = await helm(["template", "isthmus", chartPath, "-f", valuesFile]);
  if (run.code !== 0) throw new Error(`helm template -f ${valuesFile} failed (${String(run.code)}): ${run.stderr}`);
  const objects = (loadAllYaml(run.stdout) as unknown[]).filter((d): d is PlainObject => typeof d === "object" && d !== null);
  return { text: run.stdout, objects };
}
