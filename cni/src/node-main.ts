// Entry of isthmus-node, the per-node CNI agent (DaemonSet, hostNetwork): the only place that
// reads the environment, handles signals and exits. `--uninstall` removes everything it made.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { parseCidr } from "@isthmus/core/net";
import { type Component, createLifecycle, createLogger, exitOnStopSignal, type MetricsServer, startMetricsServer } from "@isthmus/core/runtime";
import { createNodeAgent } from "./agent/agent.js";
import { parseAgentConfig } from "./agent/config.js";
import { type InstallPaths, uninstallCni } from "./agent/install.js";
import { createNodeInformer, createPodAnnotationCache, loadKubeConfig } from "./agent/kube.js";
import { deleteNat } from "./agent/nat.js";
import { deleteLocalDevices } from "./agent/overlay.js";
import { createCniServer } from "./agent/server.js";
import { createDatapathBackend } from "./datapath/backend.js";
import { createEgressAgent } from "./egress/agent.js";
import { deleteEgress } from "./egress/apply.js";
import { createEgressInformers } from "./egress/kube.js";
import { createEgressLiveness } from "./egress/liveness.js";
import { createCommandRunner } from "./datapath/exec.js";
import { createNetlinkHostLinks } from "./datapath/host-links.js";
import { CniError } from "./plugin/errors.js";
import { createPolicyAgent } from "./policy/agent.js";
import { deletePolicyTable } from "./policy/apply.js";
import { createPolicyInformers } from "./policy/kube.js";
import { policyMetrics } from "./policy/metrics.js";

const config = (() => {
  try {
    return parseAgentConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(2);
  }
})();
const logger = createLogger({ name: "isthmus-node", level: config.logLevel }).child({ node: config.nodeName });
const runner = createCommandRunner();
const paths: InstallPaths = {
  cniBinDir: config.cniBinDir,
  cniConfDir: config.cniConfDir,
  socketPath: config.socketPath,
  dataDir: config.dataDir,
  pluginMain: join(dirname(fileURLToPath(import.meta.url)), "plugin-main.js"),
  nodeBinary: process.execPath,
};

if (config.uninstall) {
  await uninstallCni(paths);
  await deleteNat(runner);
  await deletePolicyTable(runner);
  await deleteEgress(runner);
  await deleteLocalDevices(runner);
  logger.info("uninstalled: conflist, plugin, IPAM records, nft tables, bridge and VXLAN removed");
  process.exit(0);
}

const kc = loadKubeConfig(config.kubeconfig);
const agent = createNodeAgent({
  nodeName: config.nodeName,
  runner,
  logger: logger.child({ component: "overlay" }),
  paths,
  clusterCidrs: config.clusterCidrs.map((c) => parseCidr(c)),
  vxlanMode: config.vxlanMode,
  nodes: { list: () => nodes.list() },
});
const nodes = createNodeInformer(kc, { logger, onChange: () => { agent.nodesChanged(); } });
const pods = createPodAnnotationCache(kc, { nodeName: config.nodeName, logger });
const datapath = createDatapathBackend({ runner, annotations: pods, dataDir: config.dataDir, hostLinks: createNetlinkHostLinks() });
const server = createCniServer({
  socketPath: config.socketPath,
  logger: logger.child({ component: "cni-server" }),
  backend: {
    ...datapath,
    status: async (conf) => {
      if (!agent.isReady()) throw new CniError("NotAvailable", "isthmus-node has not finished setting up this node's network yet; wait for the agent");
      await datapath.status(conf);
    },
  },
});

const policy = createPolicyAgent({ nodeName: config.nodeName, runner, logger: logger.child({ component: "policy" }), source: { snapshot: (node) => policyCaches.snapshot(node) } });
const policyCaches = createPolicyInformers(kc, { logger, onChange: () => { policy.changed(); egress.changed(); } });
const egressLiveness = createEgressLiveness({ nodeName: config.nodeName, port: defaults.egressProbePort, logger, onChange: () => { egress.changed(); }, onReleased: (address) => { egress.released(address); } });
const egress = createEgressAgent({ nodeName: config.nodeName, runner, logger: logger.child({ component: "egress" }), vxlanMode: config.vxlanMode, clusterCidrs: config.clusterCidrs, liveness: egressLiveness, source: { snapshot: (node) => egressCaches.snapshot(node), writeStatus: (s) => egressCaches.writeStatus(s) } });
const egressCaches = createEgressInformers(kc, { logger, nodeName: config.nodeName, onChange: () => { egress.changed(); }, podsAndNamespaces: () => policyCaches.snapshot(config.nodeName) });
let metrics: MetricsServer | undefined;

const components: Component[] = [
  { name: "node-informer", start: () => nodes.start(), stop: () => { nodes.stop(); return Promise.resolve(); } },
  { name: "pod-informer", start: () => pods.start(), stop: () => { pods.stop(); return Promise.resolve(); } },
  // The server starts before the first overlay pass: after a restart the node's network is
  // still in place and ADDs are served at once; STATUS says 50 until the pass has run.
  { name: "cni-server", start: () => server.start(), stop: () => server.stop() },
  agent,
  // Enforcement starts after the overlay; until its caches are complete the table a previous
  // agent left stays in force (ADR 0406).
  policy,
  { name: "policy-informers", start: (signal) => policyCaches.start(signal), stop: () => policyCaches.stop() },
  // The egress gateway (ADR 0407) reads pods and namespaces from the policy's caches; its probe
  // socket answers other nodes before its own first pass.
  { name: "egress-liveness", start: () => egressLiveness.start(), stop: () => egressLiveness.stop() },
  egress,
  { name: "egress-informers", start: (signal) => egressCaches.start(signal), stop: () => egressCaches.stop() },
  {
    name: "metrics",
    start: async () => {
      if (config.metricsPort === 0) return;
      metrics = await startMetricsServer({ host: config.metricsHost, port: config.metricsPort, healthy: () => agent.isReady(), collect: async () => [...policyMetrics(await policy.drops(), policy.isReady()), ...(await egress.metrics())] });
    },
    stop: async () => { await metrics?.close(); },
  },
];
const lifecycle = createLifecycle(components, { logger });
const abort = new AbortController();
exitOnStopSignal({ logger, message: "stopping (the node's network stays up; use --uninstall to remove it)", abort, stop: () => lifecycle.stop() });

try {
  await lifecycle.start(abort.signal);
  logger.info({ socket: config.socketPath }, "isthmus-node started");
} catch (err) {
  if (!abort.signal.aborted) {
    logger.error({ err }, "isthmus-node failed to start");
    process.exit(1);
  }
}
