import { join, resolve } from "node:path";
import { StorageV1Api, type V1Node } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import type { NodePlan } from "@isthmus/lab";
import { CliError, type Command, type CommandIo, parseCommandArgs } from "../command.js";
import { openAdmin } from "../broker/admin.js";
import { adminSecretName, brokerName, brokerNamespace, readAdminCredential, writeAdminSecret } from "../broker/credential.js";
import { adminFileBeside, type BrokerAdmin, type BrokerInfo, writeBrokerFile } from "../broker/info.js";
import { applyObjects, waitForWorkload } from "../kube/apply.js";
import { clusterOptions, connectCluster, type ClusterTarget } from "../kube/cluster.js";
import { labNode, labNodeDir, labPublicAddress } from "../lab-bridge.js";
import { findComponent } from "../manifests/components.js";
import { loadManifests, type VolumeClaimSettings, workloadArgs } from "../manifests/load.js";
import { createStepRunner } from "../steps.js";
import { parseDuration } from "./token.js";

const help = `Usage: isthmus deploy-broker [--kubeconfig FILE] [--context NAME] [options]

Installs isthmus-broker into a cluster (namespace isthmus-broker: Deployment on one node with
host networking, its data on a PersistentVolumeClaim, Service, no API permissions), waits
until it serves, reads the admin credential the broker made (through exec) and keeps it in
Secret isthmus-broker/isthmus-broker-admin, creates a join token and writes two files (JSON,
mode 0600; nothing secret is printed):
  broker-info.json   address, CA and join token: give it to whoever runs "isthmus join"
  broker-admin.json  the admin credential: keep it; token, show and join checks use it
The broker's data (clusters, tokens, CA) survives pod restarts and rescheduling. Running it
again upgrades the broker in place and keeps its data.

Options:
  --node NAME           Node to run the broker on (default: the first gateway node, else the first node)
  --address HOST        Address member clusters reach the broker at (default: the node's
                        isthmus.io/public-ip annotation, ExternalIP, else InternalIP; in the lab
                        the node's WAN address)
  --globalnet           Give every cluster a global block (without it only clusters that join
                        with global addressing and the members they overlap get one); their
                        gateways translate to and from it (docs/adr/0206)
  --token-ttl DURATION  Lifetime of the join token (default 24h; e.g. 30m, 2h, 7d)
  --token-uses N        How many clusters may join with it (default 10)
  --out FILE            Where to write broker-info (default ./broker-info.json; the admin file
                        goes beside it as broker-admin.json)
  --storage-class NAME  StorageClass of the data claim (default: the cluster's default class;
                        without one, deploy-broker stops before installing anything)
  --storage-size SIZE   Size of the data claim (default 1Gi)
  --host-path DIR       No claim: keep the data in DIR on the broker's node (for clusters
                        without a provisioner; the broker stays pinned to that node). In the
                        lab the default is <lab state>/<cluster>/nodes/<node>/isthmus-broker

Examples:
  isthmus deploy-broker --kubeconfig "$(isthmus lab kubeconfig c1)"
  isthmus deploy-broker --context hub --address broker.example.net --out /secure/broker-info.json
  isthmus deploy-broker --context edge --host-path /var/lib/isthmus-broker`;

/** The claim that holds the broker's data (deploy/broker/15-volumeclaim.yaml). */
const dataClaim = "isthmus-broker-data";

/** Where the broker keeps its data, as asked on the command line. */
export interface BrokerStorage {
  readonly storageClass?: string;
  readonly size?: string;
  readonly hostPath?: string;
}

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
export async function deployBroker(target: ClusterTarget, options: { node?: string; address?: string; globalnet?: boolean; storage?: BrokerStorage; tokenTtlSeconds: number; tokenUses: number; out: string; io: CommandIo }): Promise<DeployedBroker> {
  const steps = createStepRunner(options.io.stderr);
  const node = await steps.step(`pick the broker node in ${target.name}`, () => pickNode(target, options.node), (n) => n.metadata?.name ?? "");
  const nodeName = node.metadata?.name ?? "";
  const labNodePlan = target.lab === undefined ? undefined : labNode(target.lab, nodeName);
  const claim = await steps.step("decide where the broker keeps its data", () => resolveStorage(target, { storage: options.storage ?? {}, nodeName, labNodePlan }), describeStorage);
  const host = options.address ?? (target.lab !== undefined && labNodePlan !== undefined ? labPublicAddress(target.lab, labNodePlan) : nodeAddress(node));
  if (host === undefined) throw new CliError("Failed", `Node ${nodeName} has no address: pass --address`);
  const ips = [...new Set([host, ...(node.status?.addresses ?? []).filter((a) => a.type.endsWith("IP")).map((a) => a.address), "127.0.0.1"])].filter((a) => /^[\d.:a-f]+$/i.test(a));
  const names = ["localhost", `${brokerName}.${brokerNamespace}.svc`, ...(/^[\d.:]+$/.test(host) ? [] : [host])];
  const component = findComponent("broker");
  const args = [...workloadArgs(component, brokerName), "--tls-ip-addresses", ips.join(","), "--tls-dns-names", names.join(","), ...(options.globalnet === true ? ["--globalnet"] : [])];
  const objects = loadManifests([component], { workloads: { [brokerName]: { nodeSelector: { "kubernetes.io/hostname": nodeName }, args } }, volumeClaims: { [dataClaim]: claim } });
  await steps.step(`apply the broker manifests (${objects.length} objects)`, () => applyObjects(target, objects));
  await steps.step("wait for the broker pod to be ready", () => waitForWorkload(target, { namespace: brokerNamespace, labelSelector: `app.kubernetes.io/name=${brokerName}`, what: "the broker pod", timeoutMs: 120_000 }));
  const admin = await steps.step("read the admin credential", () => readAdminCredential(target, { nodeName, address: `${host}:${String(defaults.brokerGrpcPort)}`, ...(claim.hostPath === undefined ? {} : { hostPath: claim.hostPath }) }));
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

async function hasStorageClass(target: ClusterTarget, name: string | undefined): Promise<boolean> {
  const classes = (await target.kube.api(StorageV1Api).listStorageClass()).items;
  if (name !== undefined) return classes.some((c) => c.metadata?.name === name);
  return classes.some((c) => c.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true");
}

/**
 * The data claim's settings: a host path (asked for, or the lab's default: the lab has no
 * provisioner and its kubelet mounts no claims), else a claim of a StorageClass that exists.
 */
async function resolveStorage(target: ClusterTarget, options: { storage: BrokerStorage; nodeName: string; labNodePlan: NodePlan | undefined }): Promise<VolumeClaimSettings> {
  const { storage } = options;
  if (storage.hostPath !== undefined) return { hostPath: resolve(storage.hostPath) };
  if (target.lab !== undefined && storage.storageClass === undefined) {
    if (options.labNodePlan === undefined) throw new CliError("Failed", `Node ${options.nodeName} is not a node of lab cluster ${target.name}`);
    return { hostPath: join(labNodeDir(target.lab, options.labNodePlan), brokerName) };
  }
  if (!(await hasStorageClass(target, storage.storageClass))) {
    const missing = storage.storageClass === undefined ? `${target.name} has no default StorageClass` : `StorageClass "${storage.storageClass}" does not exist in ${target.name}`;
    throw new CliError("Failed", `${missing}, so the broker's data claim would never bind: pass --storage-class NAME, or --host-path DIR to keep the data on the broker's node`);
  }
  return { ...(storage.storageClass === undefined ? {} : { storageClassName: storage.storageClass }), ...(storage.size === undefined ? {} : { size: storage.size }) };
}

function describeStorage(claim: VolumeClaimSettings): string {
  if (claim.hostPath !== undefined) return `host path ${claim.hostPath}`;
  return `claim ${dataClaim} (${claim.storageClassName ?? "default StorageClass"}, ${claim.size ?? "1Gi"})`;
}

function parseCount(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new CliError("UsageError", `--token-uses must be a whole number from 1 to 1000, got "${value}"`);
  return n;
}

function parseStorage(values: { "storage-class"?: string | undefined; "storage-size"?: string | undefined; "host-path"?: string | undefined }): BrokerStorage {
  const { "storage-class": storageClass, "storage-size": size, "host-path": hostPath } = values;
  if (hostPath !== undefined && (storageClass !== undefined || size !== undefined)) {
    throw new CliError("UsageError", "--host-path keeps the data without a claim: leave out --storage-class and --storage-size");
  }
  if (size !== undefined && !/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(size)) throw new CliError("UsageError", `--storage-size must be a quantity like 1Gi or 500Mi, got "${size}"`);
  return { ...(storageClass === undefined ? {} : { storageClass }), ...(size === undefined ? {} : { size }), ...(hostPath === undefined ? {} : { hostPath }) };
}

/** `isthmus deploy-broker`. */
export function createDeployBrokerCommand(): Command {
  return {
    name: "deploy-broker",
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
        "storage-class": { type: "string" },
        "storage-size": { type: "string" },
        "host-path": { type: "string" },
      });
      if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
      const tokenTtlSeconds = parseDuration(values["token-ttl"] ?? "24h", "--token-ttl");
      const tokenUses = parseCount(values["token-uses"], 10);
      const storage = parseStorage(values);
      const target = await connectCluster(values, io);
      const deployed = await deployBroker(target, {
        ...(values.node === undefined ? {} : { node: values.node }),
        ...(values.address === undefined ? {} : { address: values.address }),
        globalnet: values.globalnet === true,
        storage,
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
