/**
 * isthmus-gateway and isthmus-route-agent on a lab (the shared one, or a suite's own given by its
 * location: every cluster of that lab takes part), as an operator would run them: a
 * real broker process on the WAN (namespace `<prefix>wan`, 203.0.113.251, where the gateway
 * nodes reach it), `deploy/gateway` applied to each cluster, and what `isthmus join` leaves
 * behind: Secret `isthmus-broker` (address, CA, token, cluster id), ConfigMap `isthmus-gateway`
 * (the cluster's CIDRs, the cable driver) and the `isthmus.io/public-ip` annotation on gateway
 * nodes. The lab kubelet runs the agents as `node gateway/dist/{main,route-agent}.js`.
 * `stop()` deletes the agents, runs both uninstalls on every node and checks nothing is left.
 */
import { join } from "node:path";
import { type AdminClient } from "@isthmus/core/brokerapi";
import { defaults } from "@isthmus/core/constants";
import { acquireLock, labBinaries, runCommand, type RunResult } from "@isthmus/lab/testing";
import { type ClusterPlan, labExecArgv, labKubeconfig, type LabLocation, type LabPlan, repoRoot, requireLab } from "@isthmus/lab";
import { startWanBroker, type WanBroker } from "../../fixtures/wan-broker.js";

/** The broker's address on the WAN. */
export const brokerWanAddress = "203.0.113.251";
/** The suite's workload namespace. */
export const workloadNamespace = "gateway-e2e";

/** kubectl and exec against one lab (the shared lab when its location is empty). */
export interface LabAccess {
  readonly location: LabLocation;
  /** `kubectl --kubeconfig <cluster's admin kubeconfig> args`; stdout; throws on failure. */
  readonly kubectl: (cluster: string, args: readonly string[], input?: string) => Promise<string>;
  /** Runs argv in `<cluster>/cp`, `<cluster>/<node>` or `<cluster>/<ns>/<pod>`; stdout; throws on a non-zero exit. */
  readonly exec: (target: string, argv: readonly string[], options?: { readonly timeoutMs?: number }) => Promise<string>;
  /** Like `exec`, but returns exit code and output instead of throwing. */
  readonly execResult: (target: string, argv: readonly string[], options?: { readonly timeoutMs?: number }) => Promise<RunResult>;
}

/** A {@link LabAccess} to the lab at `location`. */
export function labAccess(location: LabLocation = {}): LabAccess {
  return {
    location,
    kubectl: async (cluster, args, input) => {
      const { kubectl } = await labBinaries();
      const kubeconfig = await labKubeconfig(cluster, location);
      return (await runCommand([kubectl, "--kubeconfig", kubeconfig, ...args], { timeoutMs: 120_000, ...(input === undefined ? {} : { input }) })).stdout;
    },
    exec: async (target, argv, options = {}) =>
      (await runCommand([...(await labExecArgv(target, location)), ...argv], { timeoutMs: options.timeoutMs ?? 30_000 })).stdout,
    execResult: async (target, argv, options = {}) =>
      runCommand([...(await labExecArgv(target, location)), ...argv], { timeoutMs: options.timeoutMs ?? 30_000, allowFailure: true }),
  };
}

/** A running gateway setup on a lab. */
export interface GatewayLab extends LabAccess {
  readonly plan: LabPlan;
  readonly admin: AdminClient;
  /** A directory of the suite's own (the broker's data and logs, capture files). */
  readonly dir: string;
  /** Deploys the agents with `driver` into every cluster (replacing a previous deployment). */
  deploy(driver: "wireguard" | "vxlan"): Promise<void>;
  /** Deletes the agents and runs their uninstall on every node; returns what was left (should be empty). */
  undeploy(): Promise<string[]>;
  /** Starts / stops the broker process (the data plane must not care). */
  startBroker(): Promise<void>;
  stopBroker(): Promise<void>;
  /** Removes everything the fixture made. */
  stop(): Promise<void>;
}

/** The gateway node of a cluster (node 1) and its WAN address. */
export function gatewayNode(cluster: ClusterPlan): { name: string; wanAddress: string } {
  const node = cluster.nodes.find((n) => n.gateway);
  if (node?.wan === undefined) throw new Error(`cluster ${cluster.id} has no gateway node`);
  return { name: node.name, wanAddress: cluster.nat?.wanAddress ?? node.wan.address };
}

async function writeJoinState(cluster: ClusterPlan, context: { lab: LabAccess; admin: AdminClient; caPem: string; driver: string }): Promise<void> {
  const { kubectl } = context.lab;
  const { token } = await context.admin.createToken({ ttlSeconds: 900, maxUses: 1, clusterId: cluster.id, description: `gateway lab suite ${cluster.id}` });
  await kubectl(cluster.id, ["-n", defaults.namespace, "delete", "secret", defaults.brokerSecret, defaults.brokerCredentialsSecret, "--ignore-not-found"]);
  const objects = [
    {
      apiVersion: "v1", kind: "Secret", metadata: { name: defaults.brokerSecret, namespace: defaults.namespace },
      stringData: { address: `${brokerWanAddress}:${defaults.brokerGrpcPort}`, "ca.crt": context.caPem, token, "cluster-id": cluster.id },
    },
    {
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: "isthmus-gateway", namespace: defaults.namespace },
      data: { "pod-cidrs": cluster.podCidr, "service-cidrs": cluster.serviceCidr, "cable-driver": context.driver },
    },
  ];
  await kubectl(cluster.id, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  const gw = gatewayNode(cluster);
  await kubectl(cluster.id, ["annotate", "node", gw.name, "--overwrite", `${defaults.publicIpAnnotation}=${gw.wanAddress}`]);
}

/** What an uninstall must have removed from a node: devices, routes of proto 149, our nft tables. */
export async function leftovers(lab: LabAccess, target: string): Promise<string[]> {
  const found: string[] = [];
  const links = await lab.exec(target, ["ip", "-o", "link", "show"]);
  for (const dev of [defaults.wireguardDevice, "isthmus-vxlan", defaults.routeAgentDevice]) if (links.includes(`${dev}:`)) found.push(`${target}: device ${dev}`);
  const routes = (await lab.exec(target, ["ip", "route", "show", "proto", "149"])).trim();
  if (routes !== "") found.push(`${target}: routes ${routes.replaceAll("\n", "; ")}`);
  const tables = await lab.exec(target, ["nft", "list", "tables"]);
  for (const line of tables.split("\n")) if (line.includes("isthmus_mss") || line.includes("isthmus-route-agent")) found.push(`${target}: ${line.trim()}`);
  // The CNI owns table isthmus-node; the gateway's part is the content of its remote_cidrs set.
  if (tables.includes("table ip isthmus-node")) {
    const set = await lab.execResult(target, ["nft", "list", "set", "ip", "isthmus-node", "remote_cidrs"]);
    if (set.stdout.includes("elements")) found.push(`${target}: remote_cidrs ${set.stdout.replace(/\s+/g, " ").trim()}`);
  }
  return found;
}

/** Starts the broker on the WAN of the lab at `location` and prepares every cluster (namespace, CRD, RBAC). */
export async function startGatewayLab(location: LabLocation = {}): Promise<GatewayLab> {
  const { plan } = await requireLab(location);
  const lab = labAccess(location);
  const { kubectl } = lab;
  const unlock = await acquireLock(join(plan.stateDir, "gateway-suite.lock"));
  let broker: WanBroker | undefined;
  const clusters = plan.clusters;

  const undeploy = async (): Promise<string[]> => {
    const left: string[] = [];
    for (const cluster of clusters) {
      // Foreground: returns once the agents' pods are gone. A gateway agent still running
      // re-creates the device and MSS clamp the node cleanup removes (its uninstall refuses then).
      await kubectl(cluster.id, ["delete", "--ignore-not-found", "--cascade=foreground", "--wait=true", "--timeout=180s", "-f", join(repoRoot, "deploy/gateway/30-gateway.yaml"), "-f", join(repoRoot, "deploy/gateway/40-route-agent.yaml")]);
      await kubectl(cluster.id, ["-n", defaults.namespace, "delete", "lease", defaults.gatewayLease, "--ignore-not-found"]);
      for (const node of cluster.nodes) {
        const target = `${cluster.id}/${node.name}`;
        const gateway = await lab.execResult(target, ["env", `NODE_NAME=${node.name}`, process.execPath, join(repoRoot, "gateway/dist/main.js"), "--uninstall", "--pod-cidrs", cluster.podCidr, "--service-cidrs", cluster.serviceCidr, "--kubeconfig", "/dev/null/none"], { timeoutMs: 60_000 });
        if (gateway.code !== 0) left.push(`${target}: gateway uninstall exited ${String(gateway.code)}: ${gateway.stderr.trim().slice(-500)}`);
        await lab.exec(target, [process.execPath, join(repoRoot, "gateway/dist/route-agent.js"), "--uninstall", "--node-name", node.name, "--node-ip", node.lanAddress], { timeoutMs: 60_000 });
      }
      await kubectl(cluster.id, ["delete", "gateways.isthmus.io", "--all", "--ignore-not-found"]);
    }
    for (const cluster of clusters) for (const node of cluster.nodes) left.push(...(await leftovers(lab, `${cluster.id}/${node.name}`)));
    return left;
  };

  const stop = async (): Promise<void> => {
    await undeploy().catch(() => []);
    for (const cluster of clusters) {
      await kubectl(cluster.id, ["-n", defaults.namespace, "delete", "secret", defaults.brokerSecret, defaults.brokerCredentialsSecret, "--ignore-not-found"]).catch(() => "");
      await kubectl(cluster.id, ["-n", defaults.namespace, "delete", "configmap", "isthmus-gateway", "--ignore-not-found"]).catch(() => "");
      // Wait until it is gone: the next suite creates its pods in the same namespace.
      await kubectl(cluster.id, ["delete", "namespace", workloadNamespace, "--ignore-not-found", "--wait=true", "--timeout=120s"]).catch(() => "");
      await kubectl(cluster.id, ["annotate", "node", gatewayNode(cluster).name, `${defaults.publicIpAnnotation}-`]).catch(() => "");
    }
    await broker?.close();
    await unlock();
  };

  try {
    broker = await startWanBroker(plan, brokerWanAddress);
    const { admin, connection: { caPem } } = broker;
    for (const cluster of clusters) {
      await kubectl(cluster.id, ["apply", "-f", join(repoRoot, "deploy/gateway/00-namespace.yaml"), "-f", join(repoRoot, "deploy/gateway/10-crd.yaml"), "-f", join(repoRoot, "deploy/gateway/20-rbac.yaml")]);
      await kubectl(cluster.id, ["wait", "--for=condition=Established", "crd/gateways.isthmus.io", "--timeout=30s"]);
    }
    return {
      ...lab,
      plan,
      admin,
      dir: broker.dir,
      async deploy(driver) {
        for (const cluster of clusters) {
          await writeJoinState(cluster, { lab, admin, caPem, driver });
          await kubectl(cluster.id, ["apply", "-f", join(repoRoot, "deploy/gateway/30-gateway.yaml"), "-f", join(repoRoot, "deploy/gateway/40-route-agent.yaml")]);
        }
        for (const cluster of clusters) {
          await kubectl(cluster.id, ["-n", defaults.namespace, "rollout", "status", "daemonset/isthmus-gateway", "--timeout=120s"]);
          await kubectl(cluster.id, ["-n", defaults.namespace, "rollout", "status", "daemonset/isthmus-route-agent", "--timeout=120s"]);
        }
      },
      undeploy,
      startBroker: broker.startBroker,
      stopBroker: broker.stopBroker,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
