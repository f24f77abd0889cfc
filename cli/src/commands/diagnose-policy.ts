/**
 * `isthmus diagnose policy SRC DST`: which NetworkPolicies allow or drop one flow, and why. Reads
 * the cluster's NetworkPolicies, Pods and Namespaces once and asks the node agent's own compiler
 * (`explainFlow` of `@isthmus/cni/policy`), so the answer is what isthmus-node enforces.
 */
import { CustomObjectsApi, NetworkingV1Api } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf } from "@isthmus/core/kube";
import { explainFlow, type DirectionVerdict, type FlowExplanation, type PodData, type PolicyInput, type RemotePodSetObject, toNamespaceData, toPodData, toPolicyData, toRemotePodSetData } from "@isthmus/cni/policy";
import { CliError, type CommandIo, type OutputFormat, parseCommandArgs, parseOutputFormat } from "../command.js";
import { clusterOptions, connectCluster } from "../kube/cluster.js";
import { renderObject } from "../output.js";

/** One end of the flow as written on the command line. */
export interface FlowEnd {
  /** "namespace/name" when a pod was named. */
  readonly pod?: { readonly namespace: string; readonly name: string };
  readonly ip?: string;
  /** A number, or a container port's name (pods only). */
  readonly port?: number | string;
  readonly protocol: "TCP" | "UDP" | "SCTP" | "ICMP";
}

const endPattern = /^(?:(?<namespace>[a-z0-9]([-a-z0-9]*[a-z0-9])?)\/(?<name>[a-z0-9]([-.a-z0-9]*[a-z0-9])?)|(?<ip>\d{1,3}(?:\.\d{1,3}){3}))(?::(?<port>[a-z0-9]([-a-z0-9]*[a-z0-9])?))?(?:\/(?<protocol>tcp|udp|sctp|icmp))?$/i;

/** Parses SRC or DST as written on the command line; a UsageError says what is wrong. */
export function parseFlowEnd(text: string, options: { readonly role: "SRC" | "DST" }): FlowEnd {
  const m = endPattern.exec(text);
  const g = m?.groups;
  if (g === undefined) throw new CliError("UsageError", `${options.role} "${text}" is neither NAMESPACE/POD nor an IPv4 address${options.role === "DST" ? ", with :PORT and an optional /tcp|udp|sctp|icmp" : ""}`);
  const { namespace, name, ip, port, protocol } = g;
  if (ip?.split(".").some((o) => Number(o) > 255) === true) throw new CliError("UsageError", `${options.role} "${text}": ${ip} is not an IPv4 address`);
  const proto = (protocol?.toUpperCase() ?? "TCP") as FlowEnd["protocol"];
  const where = namespace !== undefined && name !== undefined ? { pod: { namespace, name } } : { ip: ip ?? "" };
  if (options.role === "SRC") {
    if (port !== undefined || protocol !== undefined) throw new CliError("UsageError", `SRC "${text}" takes no port or protocol: they belong to DST`);
    return { ...where, protocol: proto };
  }
  if (proto === "ICMP") {
    if (port !== undefined) throw new CliError("UsageError", `DST "${text}": icmp has no port`);
    return { ...where, protocol: proto };
  }
  if (port === undefined) throw new CliError("UsageError", `DST "${text}" needs :PORT (a number, or a container port's name of the pod)`);
  if (/^\d+$/.test(port)) {
    const number = Number(port);
    if (number < 1 || number > 65535) throw new CliError("UsageError", `DST "${text}": port ${port} is not in 1-65535`);
    return { ...where, port: number, protocol: proto };
  }
  if (where.pod === undefined) throw new CliError("UsageError", `DST "${text}": a named port needs a pod (NAMESPACE/POD:NAME), not an address`);
  return { ...where, port, protocol: proto };
}

/** The pod and address an end names; a Failed error when the pod is unknown or has no address. */
function locate(input: PolicyInput, end: FlowEnd, cluster: string): { ip: string; pod?: PodData } {
  if (end.pod === undefined) {
    const pod = input.pods.find((p) => p.ip === end.ip && p.hostNetwork !== true);
    return { ip: end.ip ?? "", ...(pod === undefined ? {} : { pod }) };
  }
  const { namespace, name } = end.pod;
  const pod = input.pods.find((p) => p.namespace === namespace && p.name === name);
  if (pod === undefined) throw new CliError("Failed", `No pod ${namespace}/${name} in cluster ${cluster}${input.namespaces.some((n) => n.name === namespace) ? "" : ` (no namespace ${namespace} either)`}`);
  if (pod.ip === undefined) throw new CliError("Failed", `Pod ${namespace}/${name} has no IPv4 address (not running yet, or finished)`);
  if (pod.hostNetwork === true) throw new CliError("Failed", `Pod ${namespace}/${name} runs on the host network: NetworkPolicy does not apply to it, and it is not a pod peer`);
  return { ip: pod.ip, pod };
}

/** The resolved flow and its explanation: what `-o json` prints. */
export interface PolicyDiagnosis {
  readonly src: { readonly ip: string; readonly pod?: string; readonly node?: string };
  readonly dst: { readonly ip: string; readonly pod?: string; readonly node?: string };
  readonly protocol: string;
  readonly port?: number;
  readonly allowed: boolean;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
}

/** Resolves the two ends against `input` and explains the flow. */
export function diagnoseFlow(input: PolicyInput, options: { readonly src: FlowEnd; readonly dst: FlowEnd; readonly cluster: string }): PolicyDiagnosis {
  const src = locate(input, options.src, options.cluster);
  const dst = locate(input, options.dst, options.cluster);
  const { protocol } = options.dst;
  let port = options.dst.port;
  if (typeof port === "string") {
    const named = dst.pod?.ports?.find((p) => p.name === port && (p.protocol ?? "TCP") === protocol);
    if (named === undefined) throw new CliError("Failed", `Pod ${dst.pod?.namespace ?? ""}/${dst.pod?.name ?? ""} has no ${protocol} container port named "${port}"`);
    port = named.port;
  }
  const explained: FlowExplanation = explainFlow(input, { src: src.ip, dst: dst.ip, protocol, ...(port === undefined ? {} : { port }) });
  const side = (e: { ip: string; pod?: PodData }): PolicyDiagnosis["src"] => ({ ip: e.ip, ...(e.pod === undefined ? {} : { pod: `${e.pod.namespace}/${e.pod.name}` }), ...(e.pod?.nodeName === undefined ? {} : { node: e.pod.nodeName }) });
  return { src: side(src), dst: side(dst), protocol, ...(port === undefined ? {} : { port }), ...explained };
}

function describeDirection(d: PolicyDiagnosis, direction: "egress" | "ingress"): string[] {
  const v = d[direction];
  const end = direction === "egress" ? d.src : d.dst;
  const who = end.pod === undefined ? end.ip : `${end.pod}${end.node === undefined ? "" : ` (node ${end.node})`}`;
  if (end.pod === undefined) return [`${direction} of ${who}: not a pod of this cluster, no policy of it applies`];
  if (v.policies.length === 0) return [`${direction} of ${who}: allowed, not isolated (no NetworkPolicy of its namespace selects it for ${direction})`];
  const allowing = v.policies.filter((p) => p.allows).map((p) => p.policy);
  const head = v.allowed ? `allowed by ${allowing.join(", ")}` : "DROPPED: no rule of these policies allows it";
  const lines = [`${direction} of ${who}: ${head}; isolated by ${String(v.policies.length)} NetworkPolicy(ies):`];
  const peerWord = direction === "ingress" ? "from" : "to";
  for (const p of v.policies) {
    if (p.rules.length === 0) lines.push(`  ${p.policy}: no ${direction} rules, allows nothing`);
    for (const r of p.rules) {
      const why = r.allows ? "allows the flow" : [r.peerMatches ? "" : `${peerWord} does not match ${direction === "ingress" ? d.src.ip : d.dst.ip}`, r.portMatches ? "" : "ports do not match"].filter((s) => s !== "").join(", ") || "does not allow it";
      lines.push(`  ${p.policy} ${direction}[${String(r.rule)}]: ${why}`);
    }
  }
  return lines;
}

/** The human answer. */
export function renderDiagnosis(d: PolicyDiagnosis): string {
  const name = (e: PolicyDiagnosis["src"]): string => (e.pod === undefined ? e.ip : `${e.pod} (${e.ip})`);
  const flow = `${name(d.src)} -> ${name(d.dst)} ${d.protocol}${d.port === undefined ? "" : ` ${String(d.port)}`}`;
  const where = !d.egress.allowed ? "by the source's egress" : "by the destination's ingress";
  return [`${flow}: ${d.allowed ? "ALLOWED" : `DROPPED ${where}`}`, ...describeDirection(d, "egress"), ...describeDirection(d, "ingress"), ""].join("\n");
}

async function readPolicyInput(target: Awaited<ReturnType<typeof connectCluster>>): Promise<PolicyInput> {
  const networking = target.kube.api(NetworkingV1Api);
  const custom = target.kube.api(CustomObjectsApi);
  // Other clusters' shared pods (ADR 0406); a cluster without the CRD has none.
  const remote = custom.listClusterCustomObject({ group: defaults.apiGroup, version: defaults.apiVersion, plural: defaults.remotePodSetPlural }).then(
    (list) => (list as { items?: RemotePodSetObject[] }).items ?? [],
    (err: unknown) => {
      if (httpStatusOf(err) === 404) return [];
      throw err;
    },
  );
  const [pods, namespaces, policies, remoteSets] = await Promise.all([target.kube.core.listPodForAllNamespaces(), target.kube.core.listNamespace(), networking.listNetworkPolicyForAllNamespaces(), remote]);
  return {
    nodeName: "",
    pods: pods.items.map(toPodData).filter((p) => p !== undefined),
    namespaces: namespaces.items.map(toNamespaceData),
    policies: policies.items.map(toPolicyData),
    remotePods: remoteSets.flatMap((s) => toRemotePodSetData(s) ?? []),
  };
}

/** Runs `isthmus diagnose policy` with the arguments after `policy`. */
export async function runDiagnosePolicy(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...clusterOptions, output: { type: "string", short: "o" } });
  const format: OutputFormat = parseOutputFormat(values.output);
  const [srcText, dstText, extra] = positionals;
  if (srcText === undefined || dstText === undefined) throw new CliError("UsageError", "diagnose policy needs SRC and DST (see isthmus diagnose --help)");
  if (extra !== undefined) throw new CliError("UsageError", `Unexpected argument "${extra}"`);
  const src = parseFlowEnd(srcText, { role: "SRC" });
  const dst = parseFlowEnd(dstText, { role: "DST" });
  const target = await connectCluster(values, io);
  const diagnosis = diagnoseFlow(await readPolicyInput(target), { src, dst, cluster: target.name });
  io.stdout.write(format === "table" ? renderDiagnosis(diagnosis) : renderObject(format, diagnosis));
  return 0;
}
