#!/usr/bin/env node
// isthmus-route-agent: the only place that reads flags, the environment and signals, or exits.
import { createKubeClient } from "@isthmus/core/kube";
import { createLogger, loadConfig, parseLongFlags, runMain, untilStopSignal } from "@isthmus/core/runtime";
import { nodeInternalIp } from "./agent/endpoint.js";
import { routeAgentConfigSchema } from "./route-agent/config.js";
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
    return 0;
  }
  const stopSignal = untilStopSignal();
  const agent = await startRouteAgent(config, { logger, env: process.env });
  logger.info({ signal: await stopSignal }, "shutting down");
  await agent.stop();
  return 0;
}

runMain("isthmus-route-agent", main);
