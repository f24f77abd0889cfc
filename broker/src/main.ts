#!/usr/bin/env node
// isthmus-broker: the only place that reads flags, the environment and signals, or exits.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createLogger, errorMessage, loadConfig } from "@isthmus/core";
import { brokerConfigSchema } from "./config.js";
import { startBroker } from "./server.js";
import { createStoreRegistry } from "./store/registry.js";

const usage = `Usage: isthmus-broker [--config FILE] [--<setting> VALUE ...]
Settings (also ISTHMUS_BROKER_<SETTING>, e.g. ISTHMUS_BROKER_DATA_DIR): ${Object.keys(brokerConfigSchema.shape)
  .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
  .join(" ")}`;

/** `--data-dir` → `dataDir`. */
function flagKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Parses `--name value`, `--name=value` and bare `--name` (true); anything else is an error. */
function parseFlags(args: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (match?.[1] === undefined) throw new Error(`Unexpected argument "${arg}"\n${usage}`);
    const next = args[i + 1];
    if (match[2] !== undefined) out[match[1]] = match[2];
    else if (next !== undefined && !next.startsWith("--")) {
      out[match[1]] = next;
      i++;
    } else out[match[1]] = true;
  }
  return out;
}

async function main(): Promise<number> {
  const values = parseFlags(process.argv.slice(2));
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const { config: file, ...rest } = values;
  const flags = Object.fromEntries(Object.entries(rest).map(([k, v]) => [flagKey(k), v]));
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
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, "shutting down");
      resolve();
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
  await broker.stop();
  await store.close();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`isthmus-broker: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  },
);
