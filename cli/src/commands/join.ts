import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { formatGlobalRequest } from "@isthmus/core/model";
import { CliError, type Command, type CommandIo, parseCommandArgs } from "../command.js";
import { openAdmin, type AdminConnection } from "../broker/admin.js";
import { adminFileBeside, readBrokerAdmin, readBrokerInfo, type BrokerInfo } from "../broker/info.js";
import { clusterOptions, connectCluster, type ClusterTarget } from "../kube/cluster.js";
import { renderData } from "../output.js";
import { createStepRunner, type StepRunner } from "../steps.js";
import { type CniEvidence, type DetectedCni, describeCni, describeNodeReport, detectCni, waitForNodeReports } from "../join/cni.js";
import { discoverCidrs, type DiscoveredCidrs } from "../join/discover.js";
import type { GatewayConnectionRow, GatewayRow } from "../join/gateways.js";
import { installJoin, type JoinPlan } from "../join/install.js";
import { gatewayNodes } from "../join/nodes.js";
import { readJoinState } from "../join/state.js";
import { decideGlobal, type GlobalDecision, type GlobalFlag, parseGlobalFlags } from "../join/global.js";
import { type CableDriver, findOverlaps, parseCableDriver, parseClusterId, parseNodeList, parsePublicIps } from "../join/validate.js";

const help = `Usage: isthmus join <broker-info> --clusterid ID [options] [--kubeconfig FILE] [--context NAME]

Joins a cluster to the clusterset. Everything is checked BEFORE anything is installed: the
broker-info file (readable, token not expired), the cluster id (an RFC 1123 label, not taken
by another cluster), the cable driver, the gateway nodes, the pod and service CIDRs (discovered
from the cluster) and, asking the broker, whether they overlap another cluster's: then the
cluster joins with global addressing (a block of the broker's global range; one line says
why), unless --no-global refuses. Then it labels the gateway nodes, writes Secret
isthmus-broker, applies the CNI (unless --skip-cni), gateway, route agent and DNS manifests,
makes CoreDNS forward clusterset.local to isthmus-dns, waits until the gateway is connected to
every other cluster and prints the state. It names the cluster's CNI first from known DaemonSets
and the CNI config the route agents report on the Nodes (isthmus.io/cni-config), and once more
from those reports when the route agents it installed have written them (up to 20 s more).
Running it again with the same id is safe.

Options:
  --clusterid ID          The cluster's name in the clusterset (required)
  --cable-driver NAME     wireguard (default, encrypted) or vxlan (plain, for trusted networks)
  --gateway-nodes N1,N2   Nodes that may run the gateway (default: nodes already labelled
                          isthmus.io/gateway=true)
  --public-ip NODE=IP     Address other clusters reach a gateway node at (default: its
                          isthmus.io/public-ip annotation, ExternalIP or InternalIP; lab: WAN)
  --skip-cni              The cluster already has a pod network: do not install isthmus-node
  --pod-cidr CIDR         Pod CIDR(s), comma-separated, instead of discovering them
  --service-cidr CIDR     Service CIDR(s), comma-separated, instead of discovering them
  --global-cidr WHAT      Join with global addressing even without an overlap: "auto" (a block
                          of the broker's default size), a size such as /20, or a block such
                          as 242.5.0.0/16
  --no-global             Refuse to join if the CIDRs overlap another cluster's (the error
                          names the cluster and CIDRs) instead of using global addressing
  --broker-admin FILE     Admin file for the broker checks and a per-cluster token (default:
                          broker-admin.json beside the broker-info file, if it exists)
  --wait DURATION         How long to wait for the gateway (default 3m)

Exit codes: 0 joined, 1 a check or a step failed (nothing installed when a check failed), 2 usage.

Examples:
  isthmus join broker-info.json --clusterid east --kubeconfig east.kubeconfig
  isthmus join broker-info.json --clusterid c2 --kubeconfig "$(isthmus lab kubeconfig c2)" --skip-cni
  isthmus join broker-info.json --clusterid west --gateway-nodes gw-1,gw-2 --cable-driver vxlan
  isthmus join broker-info.json --clusterid c2 --global-cidr 242.5.0.0/16`;

/** Validated join input. */
export interface JoinRequest {
  readonly brokerInfoFile: string;
  readonly adminFile?: string;
  readonly clusterId: string;
  readonly cableDriver: CableDriver;
  readonly gatewayNodes?: readonly string[];
  readonly publicIps: ReadonlyMap<string, string>;
  readonly skipCni: boolean;
  readonly podCidrs?: string[];
  readonly serviceCidrs?: string[];
  /** `--global-cidr` (a request) or `--no-global` ("off"); undefined: decided from the registry. */
  readonly global?: GlobalFlag;
  readonly waitTimeoutMs: number;
}

const cidrList = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter((s) => s !== ""));

/** Parses the join arguments (usage errors only; nothing is contacted). */
export function parseJoinArgs(args: readonly string[]): JoinRequest & { values: { kubeconfig?: string | undefined; context?: string | undefined } } {
  const { values, positionals } = parseCommandArgs(args, {
    ...clusterOptions,
    clusterid: { type: "string" },
    "cable-driver": { type: "string" },
    "gateway-nodes": { type: "string" },
    "public-ip": { type: "string" },
    "skip-cni": { type: "boolean" },
    "pod-cidr": { type: "string" },
    "service-cidr": { type: "string" },
    "broker-admin": { type: "string" },
    "global-cidr": { type: "string" },
    "no-global": { type: "boolean" },
    wait: { type: "string" },
  });
  const [file, ...extra] = positionals;
  if (file === undefined) throw new CliError("UsageError", "join needs the broker-info file written by deploy-broker (isthmus join <broker-info> --clusterid ID)");
  if (extra.length > 0) throw new CliError("UsageError", `Unexpected argument "${extra[0] ?? ""}"`);
  const wait = values.wait ?? "3m";
  const match = /^(\d+)([sm])$/.exec(wait);
  if (match?.[1] === undefined) throw new CliError("UsageError", `--wait must be like 90s or 3m, got "${wait}"`);
  const gateways = parseNodeList(values["gateway-nodes"]);
  const pod = cidrList(values["pod-cidr"]);
  const svc = cidrList(values["service-cidr"]);
  const global = parseGlobalFlags(values["global-cidr"], values["no-global"] === true);
  return {
    values,
    brokerInfoFile: resolve(file),
    ...(values["broker-admin"] === undefined ? {} : { adminFile: resolve(values["broker-admin"]) }),
    clusterId: parseClusterId(values.clusterid),
    cableDriver: parseCableDriver(values["cable-driver"]),
    ...(gateways === undefined ? {} : { gatewayNodes: gateways }),
    publicIps: parsePublicIps(values["public-ip"]),
    skipCni: values["skip-cni"] === true,
    ...(pod === undefined ? {} : { podCidrs: pod }),
    ...(svc === undefined ? {} : { serviceCidrs: svc }),
    ...(global === undefined ? {} : { global }),
    waitTimeoutMs: Number(match[1]) * (match[2] === "m" ? 60_000 : 1000),
  };
}

async function checkNodes(target: ClusterTarget, wanted: readonly string[] | undefined): Promise<string[]> {
  const nodes = (await target.kube.core.listNode()).items.map((n) => n.metadata?.name ?? "");
  if (wanted !== undefined) {
    const missing = wanted.filter((n) => !nodes.includes(n));
    if (missing.length > 0) throw new CliError("Failed", `Gateway node(s) ${missing.join(", ")} do not exist in ${target.name}: nodes are ${nodes.join(", ")}`);
    return [...wanted];
  }
  const labelled = await gatewayNodes(target);
  if (labelled.length === 0) throw new CliError("Failed", `No node of ${target.name} is labelled ${defaults.gatewayNodeLabel}=true: pass --gateway-nodes`);
  return labelled;
}

async function checkBroker(conn: AdminConnection | undefined, request: JoinRequest, cidrs: DiscoveredCidrs, rejoin: boolean): Promise<{ peers: string[]; note: string; global: GlobalDecision }> {
  const mine = { id: request.clusterId, podCidrs: cidrs.podCidrs, serviceCidrs: cidrs.serviceCidrs };
  const own = findOverlaps(mine, []);
  if (own.length > 0) throw new CliError("Failed", `Cannot join "${request.clusterId}": ${own.join("; ")}`);
  const flag = request.global;
  if (conn === undefined) {
    const forced = flag === undefined || flag === "off" ? undefined : flag;
    return { peers: [], note: "no admin file: cluster id and CIDR checks left to the broker", global: { request: forced, line: undefined } };
  }
  const [{ clusters }, info] = await Promise.all([conn.admin.listClusters({}), conn.admin.getBrokerInfo({})]);
  if (!rejoin && clusters.some((c) => c.id === request.clusterId)) {
    throw new CliError("Failed", `Cluster id "${request.clusterId}" is taken: the broker already has a cluster "${request.clusterId}" (pick another id, or run "isthmus uninstall" on that cluster)`);
  }
  const global = decideGlobal({ mine, clusters, pool: info.globalCidrPool ?? defaults.globalCidrPool, flag });
  const peers = clusters.filter((c) => c.id !== request.clusterId).map((c) => c.id);
  return { peers, note: `${clusters.length} cluster(s) known${global.request === undefined ? "" : ", joining with global addressing"}`, global };
}

async function readCniEvidence(target: ClusterTarget): Promise<CniEvidence> {
  const [daemonSets, nodes] = await Promise.all([target.apps.listDaemonSetForAllNamespaces(), target.kube.core.listNode()]);
  return {
    daemonSets: daemonSets.items.map((d) => ({ namespace: d.metadata?.namespace ?? "", name: d.metadata?.name ?? "" })),
    nodeAnnotations: nodes.items.map((n) => n.metadata?.annotations ?? {}),
  };
}

/** How long join waits, once the gateway is up, for every route agent to report its node's CNI config (their first loop writes it). */
const nodeCniWaitMs = 20_000;

/**
 * After install: reads the Nodes until each carries its route agent's CNI config report (at most
 * {@link nodeCniWaitMs}) and prints one line when the reports add to the first detection, or
 * that none came. Never fails the join: the CNI is for information, and diagnose shows it later.
 */
async function reportNodeCni(target: ClusterTarget, first: DetectedCni, steps: StepRunner): Promise<void> {
  const start = Date.now();
  try {
    const later = await waitForNodeReports(() => readCniEvidence(target), { timeoutMs: nodeCniWaitMs, intervalMs: 1000, sleep, now: () => Date.now() });
    const line = describeNodeReport(first, later, Date.now() - start);
    if (line !== undefined) steps.note(line);
  } catch (err) {
    steps.note(`CNI on the nodes: not read (${errorMessage(err)}); isthmus diagnose shows it`);
  }
}

/** Validates everything, then installs (shared by the command and the demo). Returns the gateways' state. */
export async function joinCluster(target: ClusterTarget, request: JoinRequest, io: CommandIo): Promise<GatewayRow[]> {
  const steps: StepRunner = createStepRunner(io.stderr);
  const info: BrokerInfo = await steps.step("read the broker-info file", () => readBrokerInfo(request.brokerInfoFile), (i) => `broker ${i.address}, token valid until ${i.tokenExpiresAt}`);
  const adminFile = request.adminFile ?? (existsSync(adminFileBeside(request.brokerInfoFile)) ? adminFileBeside(request.brokerInfoFile) : undefined);
  const existing = await steps.step(`check ${target.name} is not joined under another id`, async () => {
    const state = await readJoinState(target);
    if (state !== undefined && state.clusterId !== request.clusterId) throw new CliError("Failed", `${target.name} is already joined as "${state.clusterId}": run "isthmus uninstall" first`);
    return state;
  }, (s) => (s === undefined ? "not joined" : "joined with this id: re-applying"));
  const gateways = await steps.step("check the gateway nodes", () => checkNodes(target, request.gatewayNodes), (n) => n.join(", "));
  const cni = await steps.step("detect the cluster's CNI", async () => detectCni(await readCniEvidence(target)), describeCni);
  const cidrs = await steps.step("discover the pod and service CIDRs", () => discoverCidrs(target, { ...(request.podCidrs === undefined ? {} : { podCidrs: request.podCidrs }), ...(request.serviceCidrs === undefined ? {} : { serviceCidrs: request.serviceCidrs }) }), (c) => `pods ${c.podCidrs.join(",")} (${c.podSource}); services ${c.serviceCidrs.join(",")} (${c.serviceSource})`);
  const conn = adminFile === undefined ? undefined : await steps.step("connect to the broker's admin API", async () => openAdmin(await readBrokerAdmin(adminFile)));
  try {
    const broker = await steps.step("check the cluster id and CIDRs with the broker", () => checkBroker(conn, request, cidrs, existing !== undefined), (b) => b.note);
    if (broker.global.line !== undefined) io.stderr.write(`${broker.global.line}\n`);
    const globalRequest = broker.global.request;
    const token = conn === undefined ? info.token : (await conn.admin.createToken({ ttlSeconds: 3600, maxUses: 3, clusterId: request.clusterId, description: `isthmus join ${request.clusterId}` })).token;
    const plan: JoinPlan = {
      settings: { clusterId: request.clusterId, brokerAddress: info.address, brokerCa: info.caPem, token, ...(info.serverName === undefined ? {} : { serverName: info.serverName }), podCidrs: cidrs.podCidrs, serviceCidrs: cidrs.serviceCidrs, cableDriver: request.cableDriver, ...(globalRequest === undefined ? {} : { globalCidr: formatGlobalRequest(globalRequest) }) },
      gatewayNodes: gateways,
      publicIps: request.publicIps,
      skipCni: request.skipCni,
      peers: broker.peers,
      waitTimeoutMs: request.waitTimeoutMs,
    };
    const rows = await installJoin(target, plan, { steps, io, previous: existing });
    await reportNodeCni(target, cni, steps);
    if (conn !== undefined && globalRequest !== undefined) {
      await steps.step("read the cluster's global block from the broker", async () => (await conn.admin.getCluster({ id: request.clusterId })).cluster?.globalCidr, (block) => block ?? "none yet");
    }
    return rows;
  } finally {
    await conn?.close();
  }
}

/** The gateways as a table. */
export function renderGateways(rows: readonly GatewayRow[]): string {
  const lines = rows.flatMap((g): { g: GatewayRow; c: GatewayConnectionRow | undefined }[] => (g.connections.length === 0 ? [{ g, c: undefined }] : g.connections.map((c) => ({ g, c }))));
  return renderData("table", lines, [
    { header: "CLUSTER", value: (r) => r.g.clusterId },
    { header: "GATEWAY", value: (r) => r.g.node },
    { header: "ROLE", value: (r) => r.g.role },
    { header: "DRIVER", value: (r) => r.g.driver },
    { header: "REMOTE", value: (r) => r.c?.cluster ?? "-" },
    { header: "REMOTE-IP", value: (r) => r.c?.remoteIp ?? "-" },
    { header: "STATUS", value: (r) => r.c?.status ?? "-" },
    { header: "RTT", value: (r) => (r.c?.rttMs === undefined ? "-" : `${r.c.rttMs.toFixed(2)} ms`) },
  ]);
}

/** `isthmus join`. */
export function createJoinCommand(): Command {
  return {
    name: "join",
    help,
    async run(args, io) {
      const request = parseJoinArgs(args);
      const target = await connectCluster(request.values, io);
      try {
        const rows = await joinCluster(target, request, io);
        io.stdout.write(`cluster ${request.clusterId} joined\n${renderGateways(rows)}`);
        return 0;
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError("Failed", errorMessage(err), { cause: err });
      }
    },
  };
}
