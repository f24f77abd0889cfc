#!/usr/bin/env node
// isthmus-dns: the only place that reads flags, the environment and signals, or exits.
import { hostname } from "node:os";
import { createLogger, errorMessage, loadConfig } from "@isthmus/core";
import { dnsConfigSchema } from "./agent/config.js";
import { startDnsAgent } from "./agent/agent.js";

const settings = ["dnsHost", "dnsPort", "httpHost", "httpPort", "zone", "ttlSeconds", "namespace", "leaseName", "identity", "kubeconfig", "leaseDurationMs", "renewDeadlineMs", "retryPeriodMs", "resyncMs", "syncTimeoutMs", "logLevel"];
const usage = `Usage: isthmus-dns [--config FILE] [--<setting> VALUE ...]
Settings (also ISTHMUS_DNS_<SETTING>, e.g. ISTHMUS_DNS_DNS_PORT): ${settings.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(" ")}`;

/** Parses `--name value`, `--name=value` and bare `--name` (true); keys become camelCase. */
function parseFlags(args: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (match?.[1] === undefined) throw new Error(`Unexpected argument "${arg}"\n${usage}`);
    const key = match[1].replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    const next = args[i + 1];
    if (match[2] !== undefined) out[key] = match[2];
    else if (next !== undefined && !next.startsWith("--")) {
      out[key] = next;
      i++;
    } else out[key] = true;
  }
  return out;
}

async function main(): Promise<number> {
  const { config: file, help, ...flags } = parseFlags(process.argv.slice(2));
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
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      controller.abort();
      resolve(signal);
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
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

// Exit explicitly once everything has stopped: library sockets (HTTP keep-alive agents of
// client-node, gRPC channels being torn down) can keep the event loop alive for minutes, and a
// pod that lingers after SIGTERM holds the host-network ports its successor needs.
main().then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`isthmus-dns: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
