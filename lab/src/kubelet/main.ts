/**
 * Entry point of the lab kubelet (the only file that reads argv, handles signals or exits):
 *
 *   node lab/dist/kubelet/main.js --config /abs/kubelet.json
 *
 * Started by the lab orchestrator inside a node's network and mount namespaces. Components
 * start in order — node registration and heartbeats, the informer of this node's pods, the pod
 * controller — and stop in reverse on SIGTERM/SIGINT (pod processes are stopped; sandboxes and
 * state stay for the next kubelet, which adopts or recreates them).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { ListWatch, Watch, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { errorMessage } from "@isthmus/core/errors";
import { createInformer, createKubeClient } from "@isthmus/core/kube";
import { createLifecycle, createLogger, exitOnStopSignal, type Component } from "@isthmus/core/runtime";
import { createApiReader, createTokenIssuer } from "./api.js";
import { loadKubeletConfig } from "./config.js";
import { createNodeAgent } from "./node.js";
import { createPodController } from "./pods.js";
import { createKubeletServer } from "./server.js";

/** The cluster CA of the kubeconfig (inline data or file): the kubelet server trusts client certificates it signed. */
function clusterCaPem(config: KubeConfig): string {
  const cluster = config.getCurrentCluster();
  if (cluster?.caData !== undefined) return Buffer.from(cluster.caData, "base64").toString("utf8");
  if (cluster?.caFile !== undefined) return readFileSync(cluster.caFile, "utf8");
  throw new Error("The kubelet kubeconfig names no cluster CA; the kubelet server cannot authenticate the API server");
}

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: "string" } }, strict: true });
  if (values.config === undefined) throw new Error("usage: main.js --config <kubelet-config.json>");
  const config = await loadKubeletConfig(values.config);
  const logger = createLogger({ name: "isthmus-lab-kubelet", level: config.logLevel }).child({ node: config.nodeName, clusterId: config.clusterId });
  await mkdir(join(config.stateDir, "pods"), { recursive: true });

  const kube = createKubeClient({ kubeconfigPath: config.kubeconfig });
  const fieldSelector = `spec.nodeName=${config.nodeName}`;
  const informer = createInformer<V1Pod>({
    name: "pods",
    path: "/api/v1/pods",
    list: () => kube.core.listPodForAllNamespaces({ fieldSelector }),
    factory: ({ path, list }) => new ListWatch<V1Pod>(path, new Watch(kube.config), list, false, undefined, fieldSelector),
    logger,
  });
  const informerComponent: Component = {
    name: "pod-informer",
    async start(signal?: AbortSignal): Promise<void> {
      await informer.start(signal);
      await informer.waitForReady(signal, 120_000);
    },
    stop: () => informer.stop(),
  };
  const node = createNodeAgent({ core: kube.core, coordination: kube.coordination, config, logger: logger.child({ component: "node" }) });
  const pods = createPodController({
    config,
    core: kube.core,
    informer,
    logger: logger.child({ component: "pods" }),
    reader: createApiReader(kube.core),
    tokens: createTokenIssuer(kube.core),
  });
  const components: Component[] = [node, informerComponent, pods];
  if (config.serverPort !== 0) {
    components.unshift(
      createKubeletServer({
        address: config.nodeIp,
        port: config.serverPort,
        stateDir: config.stateDir,
        clientCaPem: clusterCaPem(kube.config),
        logger: logger.child({ component: "server" }),
      }),
    );
  }
  const lifecycle = createLifecycle(components, { logger, stopTimeoutMs: 60_000 });

  const abort = new AbortController();
  exitOnStopSignal({ logger, message: "stopping", abort, stop: () => lifecycle.stop() });
  await lifecycle.start(abort.signal);
  logger.info({ fieldSelector }, "lab kubelet running");
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`isthmus-lab-kubelet: ${errorMessage(err)}\n`);
  process.exit(1);
});
