#!/usr/bin/env node
// isthmus-dns: the only place that reads flags, the environment and signals, or exits.
import { hostname } from "node:os";
import { createLogger, loadConfig, parseLongFlags, runMain, untilStopSignal } from "@isthmus/core/runtime";
import { dnsConfigSchema } from "./agent/config.js";
import { startDnsAgent } from "./agent/agent.js";

const settings = ["dnsHost", "dnsPort", "httpHost", "httpPort", "zone", "ttlSeconds", "namespace", "leaseName", "identity", "kubeconfig", "leaseDurationMs", "renewDeadlineMs", "retryPeriodMs", "resyncMs", "syncTimeoutMs", "logLevel"];
const usage = `Usage: isthmus-dns [--config FILE] [--<setting> VALUE ...]
Settings (also ISTHMUS_DNS_<SETTING>, e.g. ISTHMUS_DNS_DNS_PORT): ${settings.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(" ")}`;

async function main(): Promise<number> {
  const { config: file, help, ...flags } = parseLongFlags(process.argv.slice(2), usage);
  if (help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const config = await loadConfig(dnsConfigSchema, {
    ...(typeof file === "string" ? { file } : {}),
    env: { prefix: "ISTHMUS_DNS_", vars: { ISTHMUS_DNS_IDENTITY: process.env.POD_NAME ?? hostname(), ...process.env } },
    flags,
  });
  const logger = createLogger({ name: "isthmus-dns", level: config.logLevel });
  const controller = new AbortController();
  const stopSignal = untilStopSignal(() => {
    controller.abort();
  });
  const agent = await startDnsAgent(config, { logger, env: process.env, signal: controller.signal });
  logger.info({ clusterId: agent.clusterId, dnsPort: agent.dnsPort, httpPort: agent.httpPort, identity: config.identity }, "isthmus-dns running");
  let code = 0;
  try {
    const signal = await Promise.race([stopSignal, agent.failed]);
    logger.info({ signal }, "shutting down");
  } catch (err) {
    logger.fatal({ err }, "isthmus-dns cannot go on; exiting");
    code = 1;
  }
  await agent.stop();
  return code;
}

runMain("isthmus-dns", main);
