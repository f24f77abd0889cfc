#!/usr/bin/env node
// isthmus-route-agent: the only place that reads flags, the environment and signals, or exits.
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { createKubeClient, type KubeClient } from "@isthmus/core/kube";
import { createLogger, loadConfig, type Logger, parseLongFlags, runMain, untilStopSignal } from "@isthmus/core/runtime";
import { nodeInternalIp } from "./agent/endpoint.js";
import { createCniConfigReporter, createNodeAnnotation, withdrawCniConfig } from "./route-agent/cni-annotation.js";
import { type RouteAgentConfig, routeAgentConfigSchema } from "./route-agent/config.js";
import { startRouteAgent } from "./route-agent/agent.js";
import { createRouteAgentDatapath } from "./route-agent/datapath.js";

const usage = `Usage: isthmus-route-agent --node-name NAME [--node-ip IP] [--namespace NS] [--mtu N] [--vxlan-mode cross-subnet|always] [--uninstall]
(also ISTHMUS_ROUTE_AGENT_<SETTING>; NODE_NAME and NODE_IP set the node's name and address).`;

async function main(): Promise<number> {
  const { config: file, help, ...flags } = parseLongFlags(process.argv.slice(2), usage);
  if (help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const config = await loadConfig(routeAgentConfigSchema, {
    ...(typeof file === "string" ? { file } : {}),
    env: { prefix: "ISTHMUS_ROUTE_AGENT_", vars: { ISTHMUS_ROUTE_AGENT_NODE_NAME: process.env.NODE_NAME, ISTHMUS_ROUTE_AGENT_NODE_IP: process.env.NODE_IP, ...process.env } },
    flags,
  });
  const logger = createLogger({ name: "isthmus-route-agent", level: config.logLevel });
  if (config.uninstall) {
    const nodeIp = config.nodeIp ?? nodeInternalIp(await createKubeClient({ env: process.env }).core.readNode({ name: config.nodeName }));
    await createRouteAgentDatapath({ nodeIp, mtu: config.mtu, mode: config.vxlanMode, logger }).cleanup();
    await withdrawCniConfigAnnotation(config, logger);
    return 0;
  }
  const stopSignal = untilStopSignal();
  const agent = await startRouteAgent(config, { logger, env: process.env });
  logger.info({ signal: await stopSignal }, "shutting down");
  await agent.stop();
  return 0;
}

/**
 * Uninstall: removes the node's CNI config annotation when this process may reach the API — a
 * `--kubeconfig`, or a pod's service account — never through $KUBECONFIG or ~/.kube/config, which
 * may name another cluster with same-named nodes. Without access (isthmus uninstall's cleanup
 * pods have none) `isthmus uninstall` removes it itself, so a failure is logged and not fatal.
 */
async function withdrawCniConfigAnnotation(config: RouteAgentConfig, logger: Logger): Promise<void> {
  const log = logger.child({ annotation: defaults.cniConfigAnnotation });
  let kube: KubeClient;
  try {
    kube = createKubeClient({ ...(config.kubeconfig === undefined ? {} : { kubeconfigPath: config.kubeconfig }), env: { KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT: process.env.KUBERNETES_SERVICE_PORT } });
  } catch (err) {
    log.info({ reason: errorMessage(err) }, "no API access: the node's CNI config annotation stays for isthmus uninstall");
    return;
  }
  const reporter = createCniConfigReporter({ dir: config.cniConfDir, annotation: createNodeAnnotation(kube.core, { nodeName: config.nodeName, key: defaults.cniConfigAnnotation }), logger: log });
  if (await withdrawCniConfig(reporter, { ms: 10_000, logger })) log.info("removed the node's CNI config annotation");
}

runMain("isthmus-route-agent", main);
