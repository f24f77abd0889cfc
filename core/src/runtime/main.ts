// What every agent's entry file (`main.ts`) does the same way: flags, the stop signal, the exit.
import type { Logger } from "pino";
import { errorMessage } from "../errors.js";

/**
 * Parses `--name value`, `--name=value` and a bare `--name` (true); keys become camelCase
 * (`--data-dir` → `dataDir`). Anything else throws, with `usage` in the message.
 */
export function parseLongFlags(args: readonly string[], usage: string): Record<string, string | true> {
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

/** Resolves with the first SIGTERM or SIGINT (calling `onSignal` at once, e.g. to abort a start). */
export function untilStopSignal(onSignal?: (signal: NodeJS.Signals) => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handle = (signal: NodeJS.Signals): void => {
      process.off("SIGTERM", handle);
      process.off("SIGINT", handle);
      onSignal?.(signal);
      resolve(signal);
    };
    process.once("SIGTERM", handle);
    process.once("SIGINT", handle);
  });
}

/**
 * Runs an agent's `main` and exits with its code, or with 1 after printing `<name>: <message>`
 * when it throws. The exit is explicit once everything has stopped: library sockets (HTTP
 * keep-alive agents of client-node, gRPC channels being torn down) can keep the event loop alive
 * for minutes, and a pod that lingers after SIGTERM holds the host-network ports its successor
 * needs.
 */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${name}: ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * For a long-running process: on the first SIGTERM or SIGINT, aborts `abort` (a start still in
 * progress gives up), logs `message`, runs `stop` and exits 0, or 1 when stopping fails.
 */
export function exitOnStopSignal(options: { readonly logger: Logger; readonly message: string; readonly abort: AbortController; readonly stop: () => Promise<void> }): void {
  void untilStopSignal(() => {
    options.abort.abort();
  }).then(async (signal) => {
    options.logger.info({ signal }, options.message);
    try {
      await options.stop();
      process.exit(0);
    } catch (err) {
      options.logger.error({ err }, "stop failed");
      process.exit(1);
    }
  });
}
