import { resolve } from "node:path";
import type { V1Node } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core";
import { CliError, type Command, type CommandIo, parseCommandArgs } from "../command.js";
import { openAdmin } from "../broker/admin.js";
import { adminFileBeside, type BrokerAdmin, type BrokerInfo, writeBrokerFile } from "../broker/info.js";
import { applyObjects, waitForWorkload, waitUntil } from "../kube/apply.js";
import { clusterOptions, connectCluster, type ClusterTarget } from "../kube/cluster.js";
import { labNode, labPublicAddress, readLabPodVolumeFile } from "../lab-bridge.js";
import { findComponent } from "../manifests/components.js";
import { loadManifests, workloadArgs } from "../manifests/load.js";
import { createStepRunner } from "../steps.js";
import { parseDuration } from "./token.js";

const help = `Usage: isthmus deploy-broker [--kubeconfig FILE] [--context NAME] [options]

Installs isthmus-broker into a cluster (namespace isthmus-broker: Deployment on one node with
host networking, Service, no API permissions), waits until it serves, keeps the admin
credential in Secret isthmus-broker/isthmus-broker-admin, creates a join token and writes two
files (JSON, mode 0600):
  broker-info.json   address, CA and join token: give it to whoever runs "isthmus join"
  broker-admin.json  the admin credential: keep it; token, show and join checks use it

Options:
  --node NAME           Node to run the broker on (default: the first gateway node, else the first node)
  --address HOST        Address member clusters reach the broker at (default: the node's
                        isthmus.io/public-ip annotation, ExternalIP, else InternalIP; in the lab
                        the node's WAN address)
  --globalnet           Give each cluster a global CIDR instead of refusing overlapping CIDRs
  --token-ttl DURATION  Lifetime of the join token (default 24h; e.g. 30m, 2h, 7d)
  --token-uses N        How many clusters may join with it (default 10)
  --out FILE            Where to write broker-info (default ./broker-info.json; the admin file
                        goes beside it as broker-admin.json)

Examples:
  isthmus deploy-broker --kubeconfig "$(isthmus lab kubeconfig c1)"
  isthmus deploy-broker --context hub --address broker.example.net --out /secure/broker-info.json`;

const brokerNamespace = "isthmus-broker";
const brokerName = "isthmus-broker";
const brokerDataDir = "/var/lib/isthmus-broker";

function nodeAddress(node: V1Node): string | undefined {
  const annotated = node.metadata?.annotations?.[defaults.publicIpAnnotation];
  if (annotated !== undefined) return annotated;
  const addresses = node.status?.addresses ?? [];
  return addresses.find((a) => a.type === "ExternalIP")?.address ?? addresses.find((a) => a.type === "InternalIP")?.address;
}

async function pickNode(target: ClusterTarget, wanted: string | undefined): Promise<V1Node> {
  const nodes = (await target.kube.core.listNode()).items;
  if (wanted !== undefined) {
    const node = nodes.find((n) => n.metadata?.name === wanted);
    if (node === undefined) throw new CliError("Failed", `Node "${wanted}" does not exist in ${target.name}: nodes are ${nodes.map((n) => n.metadata?.name ?? "").join(", ")}`);
    return node;
  }
  const node = nodes.find((n) => n.metadata?.labels?.[defaults.gatewayNodeLabel] === "true") ?? nodes[0];
  if (node === undefined) throw new CliError("Failed", `${target.name} has no nodes`);
  return node;
}

/** What deployBroker returns. */
export interface DeployedBroker {
  readonly info: BrokerInfo;
  readonly admin: BrokerAdmin;
  readonly infoFile: string;
  readonly adminFile: string;
  readonly node: string;
}

/** Installs the broker into `target` and writes the two files (shared by the command and the demo). */
export async function deployBroker(target: ClusterTarget, options: { node?: string; address?: string; globalnet?: boolean; tokenTtlSeconds: number; tokenUses: number; out: string; io: CommandIo }): Promise<DeployedBroker> {
  const steps = createStepRunner(options.io.stderr);
  const node = await steps.step(`pick the broker node in ${target.name}`, () => pickNode(target, options.node), (n) => n.metadata?.name ?? "");
  const nodeName = node.metadata?.name ?? "";
  const labNodePlan = target.lab === undefined ? undefined : labNode(target.lab, nodeName);
  const host = options.address ?? (target.lab !== undefined && labNodePlan !== undefined ? labPublicAddress(target.lab, labNodePlan) : nodeAddress(node));
  if (host === undefined) throw new CliError("Failed", `Node ${nodeName} has no address: pass --address`);
  const ips = [...new Set([host, ...(node.status?.addresses ?? []).filter((a) => a.type.endsWith("IP")).map((a) => a.address), "127.0.0.1"])].filter((a) => /^[\d.:a-f]+$/i.test(a));
  const names = ["localhost", `${brokerName}.${brokerNamespace}.svc`, ...(/^[\d.:]+$/.test(host) ? [] : [host])];
  const component = findComponent("broker");
  const args = [...workloadArgs(component, brokerName), "--tls-ip-addresses", ips.join(","), "--tls-dns-names", names.join(","), ...(options.globalnet === true ? ["--globalnet"] : [])];
  const objects = loadManifests([component], { workloads: { [brokerName]: { nodeSelector: { "kubernetes.io/hostname": nodeName }, args } } });
  await steps.step(`apply the broker manifests (${objects.length} objects)`, () => applyObjects(target, objects));
  await steps.step("wait for the broker pod to be ready", () => waitForWorkload(target, { namespace: brokerNamespace, labelSelector: `app.kubernetes.io/name=${brokerName}`, what: "the broker pod", timeoutMs: 120_000 }));
  const admin = await steps.step("read the admin credential", () => readAdminCredential(target, { nodeName, address: `${host}:${defaults.brokerGrpcPort}` }));
  await steps.step(`keep it in Secret ${brokerNamespace}/${adminSecretName}`, () => writeAdminSecret(target, admin));
  const conn = await steps.step("connect to the admin API", () => openAdmin(admin));
  try {
    const created = await steps.step("create a join token", () => conn.admin.createToken({ ttlSeconds: options.tokenTtlSeconds, maxUses: options.tokenUses, description: "isthmus deploy-broker" }), (t) => `id ${t.info?.id ?? "?"}, expires ${t.info?.expiresAt ?? "?"}`);
    const info: BrokerInfo = { kind: "isthmus-broker-info", address: admin.address, caPem: admin.caPem, token: created.token, tokenExpiresAt: created.info?.expiresAt ?? "" };
    const infoFile = resolve(options.out);
    const adminFile = adminFileBeside(infoFile);
    await writeBrokerFile(infoFile, info);
    await writeBrokerFile(adminFile, admin);
    return { info, admin, infoFile, adminFile, node: nodeName };
  } finally {
    await conn.close();
  }
}

/** Secret where deploy-broker keeps the admin credential once read, so later runs need no node access. */
export const adminSecretName = "isthmus-broker-admin";

async function readAdminSecret(target: ClusterTarget, address: string): Promise<BrokerAdmin | undefined> {
  const secret = await target.kube.core.readNamespacedSecret({ namespace: brokerNamespace, name: adminSecretName }).catch(() => undefined);
  const data = secret?.data;
  if (data?.["ca.crt"] === undefined || data["tls.crt"] === undefined || data["tls.key"] === undefined) return undefined;
  const text = (v: string): string => Buffer.from(v, "base64").toString("utf8");
  return { kind: "isthmus-broker-admin", address, caPem: text(data["ca.crt"]), certPem: text(data["tls.crt"]), keyPem: text(data["tls.key"]) };
}

async function writeAdminSecret(target: ClusterTarget, admin: BrokerAdmin): Promise<void> {
  await applyObjects(target, [{
    apiVersion: "v1", kind: "Secret", metadata: { name: adminSecretName, namespace: brokerNamespace, labels: { "app.kubernetes.io/part-of": "isthmus" } },
    type: "Opaque", stringData: { "ca.crt": admin.caPem, "tls.crt": admin.certPem, "tls.key": admin.keyPem },
  }]);
}

async function readAdminCredential(target: ClusterTarget, options: { nodeName: string; address: string }): Promise<BrokerAdmin> {
  const lab = target.lab;
  const node = lab === undefined ? undefined : labNode(lab, options.nodeName);
  if (lab === undefined || node === undefined) {
    const stored = await readAdminSecret(target, options.address);
    if (stored !== undefined) return stored;
    throw new CliError("Failed", `Reading the admin credential from the broker's data dir (${brokerDataDir}/admin.{crt,key}, ca.crt on ${options.nodeName}) needs node access, which only the lab gives this CLI: copy the three files and write a broker-admin file by hand (see deploy/README.md)`);
  }
  const pods = await target.kube.core.listNamespacedPod({ namespace: brokerNamespace, labelSelector: `app.kubernetes.io/name=${brokerName}` });
  const pod = pods.items.find((p) => p.metadata?.deletionTimestamp === undefined)?.metadata?.name ?? "";
  const read = (file: string): Promise<string> => readLabPodVolumeFile(lab, { node, namespace: brokerNamespace, pod, volume: "data", file });
  await waitUntil("the broker's admin credential", async () => (await read("admin.key")) || undefined, { timeoutMs: 30_000 });
  return {
    kind: "isthmus-broker-admin",
    address: options.address,
    caPem: await read("ca.crt"),
    certPem: await read("admin.crt"),
    keyPem: await read("admin.key"),
    serverName: "localhost",
    relayNetns: node.netns,
    relayTarget: `127.0.0.1:${defaults.brokerGrpcPort}`,
  };
}

function parseCount(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError("UsageError", `--token-uses must be a whole number from 1 to 1000, got "${value}"`);
  return n;
}

/** `isthmus deploy-broker`. */
export function createDeployBrokerCommand(): Command {
  return {
    name: "deploy-broker",
    summary: "Install the broker into a cluster and write broker-info.json (address, CA, join token)",
    help,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(args, {
        ...clusterOptions,
        node: { type: "string" },
        address: { type: "string" },
        globalnet: { type: "boolean" },
        "token-ttl": { type: "string" },
        "token-uses": { type: "string" },
        out: { type: "string" },
      });
      if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
      const tokenTtlSeconds = parseDuration(values["token-ttl"] ?? "24h", "--token-ttl");
      const tokenUses = parseCount(values["token-uses"], 10);
      const target = await connectCluster(values, io);
      const deployed = await deployBroker(target, {
        ...(values.node === undefined ? {} : { node: values.node }),
        ...(values.address === undefined ? {} : { address: values.address }),
        globalnet: values.globalnet === true,
        tokenTtlSeconds,
        tokenUses,
        out: values.out ?? "broker-info.json",
        io,
      });
      io.stdout.write(`broker running on ${deployed.node} at ${deployed.info.address}\nbroker-info:  ${deployed.infoFile}\nbroker-admin: ${deployed.adminFile}\nnext: isthmus join ${deployed.infoFile} --clusterid <id> --kubeconfig <member cluster>\n`);
      return 0;
    },
  };
}
