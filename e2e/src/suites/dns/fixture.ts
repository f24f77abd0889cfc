/**
 * isthmus-dns on the shared lab, as an operator would run it: a real broker process on the WAN
 * (namespace `<prefix>wan`, 203.0.113.250, where every cluster's gateway node can reach it),
 * the manifests of `deploy/dns` applied to each cluster, and Secret `isthmus-broker` written
 * as `isthmus join` writes it. The lab kubelet runs `isthmus/dns` as `node dns/dist/main.js`.
 *
 * Lab-specific choices: one replica per cluster, pinned to the gateway node (only gateway nodes
 * reach the WAN, and two host-network replicas on one node would share port 5353). The test
 * process reaches the broker through a Unix socket that a socat in the WAN namespace forwards
 * (nothing in the lab routes to the host). Everything is removed again by `stop()`.
 */
import { join } from "node:path";
import { createBrokerClient, type AdminClient, type BrokerClient } from "@isthmus/core/brokerapi";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { type ConnectionState } from "@isthmus/core/model";
import { acquireLock, labKubectl } from "@isthmus/lab/testing";
import { repoRoot, requireLab } from "@isthmus/lab";
import { startWanBroker, type WanBroker } from "../../fixtures/wan-broker.js";

/** The broker's address on the WAN. */
export const brokerWanAddress = "203.0.113.250";
/** The clusters the suites use. */
export const dnsLabClusters = ["c1", "c2"] as const;
/** The isthmus-dns DNS port (host network, see deploy/dns). */
export const dnsPort = 5353;

/** A running isthmus-dns setup on the lab. */
export interface DnsLab {
  /** The broker's admin client (over the Unix socket). */
  readonly admin: AdminClient;
  /** The node address where `cluster`'s isthmus-dns answers on {@link dnsPort}. */
  dnsAddress(cluster: string): Promise<string>;
  /**
   * Publishes, as `from`'s gateway would, the state of its tunnels (level-based: the whole
   * set). isthmus-dns treats a remote cluster as healthy only while its tunnel is connected.
   */
  setConnections(from: string, to: Readonly<Record<string, ConnectionState>>): Promise<void>;
  /** A broker client with `cluster`'s own certificate (what its agents use), e.g. to publish as its gateway would. */
  agent(cluster: string): Promise<BrokerClient>;
  /** Removes everything the fixture made (objects, Secrets, processes, the WAN address). */
  stop(): Promise<void>;
}

const kubectl = (cluster: string, args: readonly string[], input?: string): Promise<string> =>
  labKubectl(cluster, args, input === undefined ? {} : { input });

/** Pods and log tails of isthmus-dns in `cluster`, for failure messages. */
async function describeAgents(cluster: string): Promise<string> {
  const pods = await kubectl(cluster, ["-n", defaults.namespace, "get", "pods", "-o", "wide"]).catch((err: unknown) => errorMessage(err));
  const logs = await kubectl(cluster, ["-n", defaults.namespace, "logs", "-l", "app.kubernetes.io/name=isthmus-dns", "--tail=20"]).catch((err: unknown) => errorMessage(err));
  return `${pods}\n${logs}`;
}

/** The Deployment of deploy/dns adapted to the lab (one replica on the gateway node). */
async function labManifests(cluster: string): Promise<string> {
  const list = JSON.parse(await kubectl(cluster, ["apply", "--dry-run=client", "-o", "json", "-f", join(repoRoot, "deploy/dns")])) as {
    items: { kind: string; spec?: { replicas?: number; template?: { spec?: Record<string, unknown> } } }[];
  };
  for (const item of list.items) {
    if (item.kind !== "Deployment" || item.spec?.template?.spec === undefined) continue;
    item.spec.replicas = 1;
    item.spec.template.spec.nodeSelector = { [defaults.gatewayNodeLabel]: "true" };
  }
  return JSON.stringify(list);
}

async function writeBrokerSecret(cluster: string, context: { admin: AdminClient; caPem: string }): Promise<void> {
  const { token } = await context.admin.createToken({ ttlSeconds: 900, maxUses: 1, clusterId: cluster, description: `dns lab suite ${cluster}` });
  await kubectl(cluster, ["-n", defaults.namespace, "delete", "secret", defaults.brokerSecret, defaults.brokerCredentialsSecret, "--ignore-not-found"]);
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: defaults.brokerSecret, namespace: defaults.namespace },
    stringData: { address: `${brokerWanAddress}:${defaults.brokerGrpcPort}`, "ca.crt": context.caPem, token, "cluster-id": cluster },
  };
  await kubectl(cluster, ["apply", "-f", "-"], JSON.stringify(secret));
}

/** Starts the broker on the WAN, joins c1 and c2 and deploys isthmus-dns in both. */
export async function startDnsLab(): Promise<DnsLab> {
  const { plan } = await requireLab();
  // One DNS setup at a time: two test runs sharing the lab would fight over the broker address
  // and the Deployments. The gateway suites (and the lab benchmark) write the same broker Secrets
  // in isthmus-system, so their lock is taken too, first, in the order the CLI suite takes both.
  const releases = [await acquireLock(join(plan.stateDir, "gateway-suite.lock")), await acquireLock(join(plan.stateDir, "dns-suite.lock"))];
  const unlock = async (): Promise<void> => {
    for (const release of releases.reverse()) await release();
  };
  const clients: { close(): void }[] = [];
  let broker: WanBroker | undefined;
  const stop = async (): Promise<void> => {
    for (const client of clients) client.close();
    for (const cluster of dnsLabClusters) {
      await kubectl(cluster, ["delete", "--ignore-not-found", "--wait=true", "--timeout=60s", "-f", join(repoRoot, "deploy/dns/30-deployment.yaml")]);
      // The next setup needs the host-network ports: wait for the pods, not just the Deployment.
      await kubectl(cluster, ["-n", defaults.namespace, "wait", "--for=delete", "pod", "-l", "app.kubernetes.io/name=isthmus-dns", "--timeout=60s"]).catch(() => "");
      await kubectl(cluster, ["-n", defaults.namespace, "delete", "secret", defaults.brokerSecret, defaults.brokerCredentialsSecret, "--ignore-not-found"]);
      await kubectl(cluster, ["-n", defaults.namespace, "delete", "lease", "isthmus-dns", "--ignore-not-found"]);
    }
    await broker?.close();
    await unlock();
  };
  try {
    broker = await startWanBroker(plan, brokerWanAddress);
    const { admin, connection, explain } = broker;
    for (const cluster of dnsLabClusters) {
      await kubectl(cluster, ["apply", "-f", join(repoRoot, "deploy/dns/00-namespace.yaml")]);
      await writeBrokerSecret(cluster, { admin, caPem: connection.caPem });
      await kubectl(cluster, ["apply", "-f", "-"], await labManifests(cluster));
      await kubectl(cluster, ["-n", defaults.namespace, "rollout", "restart", "deployment/isthmus-dns"]);
    }
    for (const cluster of dnsLabClusters) {
      try {
        await labKubectl(cluster, ["-n", defaults.namespace, "rollout", "status", "deployment/isthmus-dns", "--timeout=120s"], { timeoutMs: 130_000 });
      } catch (err) {
        throw new Error(`isthmus-dns did not become ready in ${cluster}: ${errorMessage(err)}\n${await describeAgents(cluster)}\nbroker log: ${await explain()}`, { cause: err });
      }
    }
    const agents = new Map<string, BrokerClient>();
    const agentOf = async (cluster: string): Promise<BrokerClient> => {
      const known = agents.get(cluster);
      if (known !== undefined) return known;
      const secret = JSON.parse(await kubectl(cluster, ["-n", defaults.namespace, "get", "secret", defaults.brokerCredentialsSecret, "-o", "json"])) as { data: Record<string, string> };
      const field = (key: string): string => Buffer.from(secret.data[key] ?? "", "base64").toString("utf8");
      const client = createBrokerClient({ ...connection, certPem: field("tls.crt"), keyPem: field("tls.key") });
      clients.push(client);
      agents.set(cluster, client);
      return client;
    };
    return {
      admin,
      async dnsAddress(cluster) {
        const pods = JSON.parse(await kubectl(cluster, ["-n", defaults.namespace, "get", "pods", "-l", "app.kubernetes.io/name=isthmus-dns", "-o", "json"])) as {
          items: { status?: { hostIP?: string; conditions?: { type: string; status: string }[] } }[];
        };
        const ready = pods.items.find((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
        const ip = ready?.status?.hostIP;
        if (ip === undefined) throw new Error(`No ready isthmus-dns pod in ${cluster}`);
        return ip;
      },
      async setConnections(from, to) {
        const now = new Date().toISOString();
        const records = Object.entries(to).map(([toCluster, status]) => ({
          fromCluster: from,
          fromGateway: `${from}-n1`,
          toCluster,
          status,
          ...(status === "error" ? { reason: "lab suite: tunnel taken down" } : {}),
          rtt: { lastMs: 1, minMs: 1, avgMs: 1, maxMs: 1, stddevMs: 0 },
          lastChange: now,
        }));
        await (await agentOf(from)).publish({ kind: "connection", records });
      },
      agent: agentOf,
      stop,
    };
  } catch (err) {
    try {
      await stop();
    } catch (stopErr) {
      throw new AggregateError([err, stopErr], `DNS lab setup failed (${errorMessage(err)}) and so did its cleanup (${errorMessage(stopErr)})`);
    }
    throw err;
  }
}
