/**
 * Helpers of the NetworkPolicy truth-table suite: three namespaces (pol-x, pol-y, pol-z, labelled
 * ns=x|y|z) with echo pods a, b, c each (labelled pod=a|b|c; a and c on c1-n1, b on c1-n2), every
 * ordered pair probed on TCP and UDP 8080 with socat from inside the source pod, matrices written
 * as text, and a wait until every node's isthmus-node has applied a set of policies (its drop
 * counters, one per isolating policy and direction, are in the node's table).
 */
import { createHash } from "node:crypto";
import { labExecOutput, labKubectl, waitFor } from "@isthmus/lab/testing";

export const cluster = "c1";
export const nodes = ["c1-n1", "c1-n2"] as const;
export const namespaces = ["x", "y", "z"] as const;
export const podNames = ["a", "b", "c"] as const;
/** The nine pods in matrix order: xa xb xc ya yb yc za zb zc. */
export const pods: readonly string[] = namespaces.flatMap((ns) => podNames.map((p) => `${ns}${p}`));
export const nsName = (ns: string): string => `pol-${ns}`;
const nodeOf = (pod: string): string => (pod === "b" ? "c1-n2" : "c1-n1");
/** The port the echo workload serves on TCP (HTTP) and UDP. */
export const port = 8080;

/** A 9 × 9 matrix: row = source pod, column = destination pod; true = reached. */
export type Matrix = readonly (readonly boolean[])[];

/** A probed pair of matrices. */
export interface Probed {
  readonly tcp: Matrix;
  readonly udp: Matrix;
}

/**
 * Parses a matrix written out by hand: a header line of the nine pod names, then one line per
 * source pod: its name and nine cells, `.` reached, `X` not reached, `-` the pod itself (never
 * probed: it talks to itself over loopback).
 */
export function matrix(text: string): Matrix {
  const lines = text.trim().split("\n").map((l) => l.trim().split(/\s+/));
  const [header, ...rows] = lines;
  if (header?.join(" ") !== pods.join(" ")) throw new Error(`matrix header must be "${pods.join(" ")}"`);
  if (rows.length !== pods.length) throw new Error(`matrix needs ${String(pods.length)} rows, has ${String(rows.length)}`);
  return rows.map(([name, ...cells], i) => {
    if (name !== pods[i] || cells.length !== pods.length) throw new Error(`matrix row ${String(i)} must be "${pods[i] ?? ""}" and ${String(pods.length)} cells`);
    return cells.map((c, j) => {
      if ((i === j) !== (c === "-")) throw new Error(`matrix cell ${pods[i] ?? ""}→${pods[j] ?? ""}: "-" marks exactly the diagonal`);
      if (c !== "." && c !== "X" && c !== "-") throw new Error(`matrix cell "${c}" must be ".", "X" or "-"`);
      return c !== "X";
    });
  });
}

/** The matrix as text in the same notation (for failure messages). */
export function formatMatrix(m: Matrix): string {
  const rows = m.map((row, i) => `${pods[i] ?? ""} ${row.map((v, j) => (i === j ? "-" : v ? "." : "X")).join("  ")}`);
  return [`   ${pods.join(" ")}`, ...rows].join("\n");
}

/** Namespaces and pods (echo workload, named ports serve-tcp and serve-udp) as one List. */
export function topologyManifest(): object {
  const items = namespaces.flatMap((ns) => [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: nsName(ns), labels: { ns } } },
    ...podNames.map((p) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: p, namespace: nsName(ns), labels: { pod: p } },
      spec: {
        nodeName: nodeOf(p),
        terminationGracePeriodSeconds: 2,
        containers: [{ name: "echo", image: "lab/echo", ports: [{ name: "serve-tcp", containerPort: port, protocol: "TCP" }, { name: "serve-udp", containerPort: port, protocol: "UDP" }] }],
      },
    })),
  ]);
  return { apiVersion: "v1", kind: "List", items };
}

/** Creates the namespaces and pods afresh (leftovers of an interrupted run are deleted first) and waits until every pod is Ready. */
export async function createTopology(): Promise<void> {
  await deleteTopology();
  await labKubectl(cluster, ["apply", "-f", "-"], { input: JSON.stringify(topologyManifest()) });
  for (const ns of namespaces) await labKubectl(cluster, ["-n", nsName(ns), "wait", "pod", "--all", "--for=condition=Ready", "--timeout=120s"]);
}

/** Deletes the namespaces (and with them pods and policies); returns when they are gone. */
export async function deleteTopology(): Promise<void> {
  await labKubectl(cluster, ["delete", "namespace", ...namespaces.map(nsName), "--ignore-not-found", "--wait=true", "--timeout=120s"]);
}

/** The pod IPs in matrix order. */
export async function podIps(): Promise<string[]> {
  const ips: string[] = [];
  for (const pod of pods) {
    ips.push((await labKubectl(cluster, ["-n", nsName(pod[0] ?? ""), "get", "pod", pod[1] ?? "", "-o", "jsonpath={.status.podIP}"])).trim());
  }
  return ips;
}

/** Shell functions `t IP` and `u IP`: probe TCP / UDP 8080 once, print "IP tcp|udp 1|0". */
const probeFunctions = [
  `t() { if timeout 5 socat -T 2 /dev/null "TCP:$1:${String(port)},connect-timeout=2" 2>/dev/null; then echo "$1 tcp 1"; else echo "$1 tcp 0"; fi; }`,
  `u() { if echo probe | timeout 5 socat -T 2 -t 2 - "UDP:$1:${String(port)}" 2>/dev/null | grep -q .; then echo "$1 udp 1"; else echo "$1 udp 0"; fi; }`,
];

/** The shell script that probes every target from inside one pod, all probes at once. */
function probeScript(targets: readonly string[]): string {
  return [...probeFunctions, `for ip in ${targets.join(" ")}; do t "$ip" & u "$ip" & done`, "wait"].join("\n");
}

/** Probes `ip` on port 8080 once from inside the suite's pod `source` ("xa", …); true = reached. */
export async function probeOne(source: string, options: { readonly ip: string; readonly protocol: "tcp" | "udp" }): Promise<boolean> {
  const script = [...probeFunctions, `${options.protocol === "tcp" ? "t" : "u"} ${options.ip}`].join("\n");
  const out = await labExecOutput(`${cluster}/${nsName(source[0] ?? "")}/${source[1] ?? ""}`, ["sh", "-c", script], { timeoutMs: 30_000 });
  return out.trim().endsWith(" 1");
}

/** Probes every ordered pair of distinct pods on TCP and UDP (three source pods at a time). */
export async function probeAll(ips: readonly string[]): Promise<Probed> {
  const tcp = pods.map(() => pods.map(() => true));
  const udp = pods.map(() => pods.map(() => true));
  const probeFrom = async (i: number): Promise<void> => {
    const pod = pods[i] ?? "";
    const targets = ips.filter((_, j) => j !== i);
    const out = await labExecOutput(`${cluster}/${nsName(pod[0] ?? "")}/${pod[1] ?? ""}`, ["sh", "-c", probeScript(targets)], { timeoutMs: 30_000 });
    for (const line of out.trim().split("\n")) {
      const [ip, proto, ok] = line.split(" ");
      const j = ips.indexOf(ip ?? "");
      const row = proto === "tcp" ? tcp[i] : udp[i];
      if (j < 0 || row === undefined) throw new Error(`unexpected probe output from ${pod}: ${line}`);
      row[j] = ok === "1";
    }
  };
  for (let start = 0; start < pods.length; start += 3) {
    await Promise.all([start, start + 1, start + 2].filter((i) => i < pods.length).map(probeFrom));
  }
  return { tcp, udp };
}

/** Cells where `got` differs from `want`, as "xa→yb tcp: want . got X". */
export function differences(want: Probed, got: Probed): string[] {
  const out: string[] = [];
  for (const proto of ["tcp", "udp"] as const) {
    want[proto].forEach((row, i) => {
      row.forEach((v, j) => {
        const g = got[proto][i]?.[j];
        if (i !== j && g !== v) out.push(`${pods[i] ?? ""}→${pods[j] ?? ""} ${proto}: want ${v ? "." : "X"} got ${g === true ? "." : "X"}`);
      });
    });
  }
  return out;
}

/**
 * The name of isthmus-node's drop counter of a policy and direction (its contract in
 * cni/src/policy/compile.ts `counterName`: e2e does not import the CNI's internals).
 */
export function counterName(namespace: string, policy: string, direction: "ingress" | "egress"): string {
  return `${direction === "ingress" ? "in" : "eg"}_${createHash("sha256").update(`${namespace}/${policy}`).digest("hex").slice(0, 16)}`;
}

/** The drop counters in the policy table of `node`. */
export async function nodeCounters(node: string): Promise<Set<string>> {
  const out = await labExecOutput(`${cluster}/${node}`, ["sh", "-c", "nft -j list counters table inet isthmus-policy 2>/dev/null || echo '{}'"]);
  return new Set([...out.matchAll(/"name": "((?:in|eg)_[0-9a-f]{16})"/g)].flatMap((m) => (m[1] === undefined ? [] : [m[1]])));
}

/** The nodes running pods that a policy's podSelector selects (the suite's selectors use only the `pod` label). */
export function nodesSelected(podSelector: { readonly matchLabels?: Readonly<Record<string, string>> } | undefined): string[] {
  const pod = podSelector?.matchLabels?.pod;
  return pod === undefined ? [...nodes] : [nodeOf(pod)];
}

/** Waits until each node's counters are exactly its entry of `want` (every agent has applied that set of policies). */
export async function waitForCounters(want: ReadonlyMap<string, ReadonlySet<string>>, what: string): Promise<void> {
  for (const node of nodes) {
    const wanted = want.get(node) ?? new Set<string>();
    await waitFor(`isthmus-node on ${node} to apply ${what}`, async () => {
      const have = await nodeCounters(node);
      return have.size === wanted.size && [...wanted].every((c) => have.has(c)) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
  }
}

/**
 * Forgets the conntrack entries of the suite's pods on every node: a probe of a new case must be
 * a new flow, and a UDP probe reusing the source port of one an earlier case allowed (30 s
 * timeout) would otherwise pass as a reply. Only these addresses: the lab is shared.
 */
export async function forgetFlows(ips: readonly string[]): Promise<void> {
  const script = `for ip in ${ips.join(" ")}; do conntrack -D -s "$ip" >/dev/null 2>&1; conntrack -D -d "$ip" >/dev/null 2>&1; done; true`;
  await Promise.all(nodes.map((node) => labExecOutput(`${cluster}/${node}`, ["sh", "-c", script])));
}

/** A set of NetworkPolicies of the suite (namespace x, y or z), by name. */
export interface PolicyCase {
  readonly name: string;
  /** NetworkPolicy objects (namespace is x, y or z). */
  readonly policies: readonly { readonly ns: string; readonly name: string; readonly spec: Record<string, unknown> }[];
}

/** The case's policies as one List for kubectl apply. */
export function policyObjects(c: Pick<PolicyCase, "policies">): object {
  return { apiVersion: "v1", kind: "List", items: c.policies.map((p) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: p.name, namespace: nsName(p.ns) }, spec: p.spec })) };
}

/** The drop counters each node holds once its agent has applied the case's policies. */
export function wantedCounters(c: Pick<PolicyCase, "policies">): Map<string, Set<string>> {
  const byNode = new Map<string, Set<string>>();
  for (const p of c.policies) {
    const given = p.spec.policyTypes as string[] | undefined;
    const types = given ?? (Array.isArray(p.spec.egress) && p.spec.egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"]);
    for (const node of nodesSelected(p.spec.podSelector as { matchLabels?: Record<string, string> } | undefined)) {
      const names = byNode.get(node) ?? new Set<string>();
      for (const t of types) names.add(counterName(nsName(p.ns), p.name, t === "Ingress" ? "ingress" : "egress"));
      byNode.set(node, names);
    }
  }
  return byNode;
}
