#!/usr/bin/env node
// isthmus-broker: the only place that reads flags, the environment and signals, or exits.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createLogger, loadConfig, parseLongFlags, runMain, untilStopSignal } from "@isthmus/core/runtime";
import { brokerConfigSchema } from "./config.js";
import { startBroker } from "./server.js";
import { createStoreRegistry } from "./store/registry.js";

const usage = `Usage: isthmus-broker [--config FILE] [--<setting> VALUE ...]
Settings (also ISTHMUS_BROKER_<SETTING>, e.g. ISTHMUS_BROKER_DATA_DIR): ${Object.keys(brokerConfigSchema.shape)
  .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
  .join(" ")}`;

async function main(): Promise<number> {
  const { config: file, help, ...flags } = parseLongFlags(process.argv.slice(2), usage);
  if (help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const config = await loadConfig(brokerConfigSchema, {
    ...(typeof file === "string" ? { file } : {}),
    env: { prefix: "ISTHMUS_BROKER_", vars: process.env },
    flags,
  });
  const logger = createLogger({ name: "isthmus-broker", level: config.logLevel });
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await createStoreRegistry().open(config.store, {
    sqlitePath: join(config.dataDir, "broker.db"),
    etcdEndpoints: config.etcdEndpoints,
    historyRevisions: config.historyRevisions,
    logger,
  });
  const broker = await startBroker(
    { ...config, etcdEndpoints: [...config.etcdEndpoints], tlsDnsNames: [...config.tlsDnsNames], tlsIpAddresses: [...config.tlsIpAddresses] },
    { store, logger },
  );
  logger.info({ signal: await untilStopSignal() }, "shutting down");
  await broker.stop();
  await store.close();
  return 0;
}

runMain("isthmus-broker", main);
