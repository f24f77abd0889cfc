#!/usr/bin/env node
// isthmus-gateway: the only place that reads flags, the environment and signals, or exits.
import { createLogger, loadConfig, parseLongFlags, runMain, untilStopSignal } from "@isthmus/core/runtime";
import { startGatewayAgent } from "./agent/agent.js";
import { gatewayConfigSchema } from "./agent/config.js";
import { uninstallGateway, uninstallIfLeftPool } from "./agent/uninstall.js";

const usage = `Usage: isthmus-gateway --node-name NAME --pod-cidrs CIDR[,CIDR] --service-cidrs CIDR[,CIDR] [--cable-driver wireguard|vxlan] [--<setting> VALUE ...] [--uninstall]
Settings are the keys of the gateway config in kebab case (also ISTHMUS_GATEWAY_<SETTING>; NODE_NAME sets the node name).`;

async function main(): Promise<number> {
  const { config: file, help, ...flags } = parseLongFlags(process.argv.slice(2), usage);
  if (help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const config = await loadConfig(gatewayConfigSchema, {
    ...(typeof file === "string" ? { file } : {}),
    env: { prefix: "ISTHMUS_GATEWAY_", vars: { ISTHMUS_GATEWAY_NODE_NAME: process.env.NODE_NAME, ...process.env } },
    flags,
  });
  const logger = createLogger({ name: "isthmus-gateway", level: config.logLevel });
  if (config.uninstall) {
    await uninstallGateway(config, { logger, env: process.env });
    return 0;
  }
  const stopSignal = untilStopSignal();
  const agent = await startGatewayAgent(config, { logger, env: process.env });
  logger.info({ signal: await stopSignal }, "shutting down");
  await agent.stop();
  await uninstallIfLeftPool(config, { logger, env: process.env });
  return 0;
}

runMain("isthmus-gateway", main);
