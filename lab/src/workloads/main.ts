/**
 * Entry point of the lab's built-in workloads (the only file here that reads argv, env and
 * signals or exits):
 *
 *   node lab/dist/workloads/main.js echo [--port 8080]     HTTP + UDP echo (JSON identity + client address)
 *   node lab/dist/workloads/main.js client                 idles until SIGTERM (tests exec into the pod)
 *   node lab/dist/workloads/main.js iperf3 [iperf3 args]   Debian's `iperf3 -s`
 *   node lab/dist/workloads/main.js http-get URL [--timeout ms]             prints the body; exit 1 on failure
 *   node lab/dist/workloads/main.js udp-send IP:PORT [payload] [--timeout ms] prints the answer; exit 1 on failure
 *
 * Identity comes from POD_NAME, POD_NAMESPACE, CLUSTER_ID and NODE_NAME (set by the lab kubelet).
 */
import { parseArgs } from "node:util";
import { errorMessage } from "@isthmus/core/errors";
import { startEchoServer } from "./echo.js";
import { startIperf3 } from "./iperf3.js";
import { httpGet, udpSend } from "./probe.js";

const usage = "usage: main.js echo [--port N] | client | iperf3 [args] | http-get URL [--timeout MS] | udp-send IP:PORT [PAYLOAD] [--timeout MS]";

function parseNumber(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got "${value}"`);
  return n;
}

function waitForTermination(onStop: () => Promise<void>): void {
  const stop = (): void => {
    onStop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${errorMessage(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

async function main(argv: readonly string[]): Promise<void> {
  const [kind, ...rest] = argv;
  if (kind === "iperf3") {
    const child = startIperf3(rest);
    for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => child.kill(sig));
    child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128 + 15)));
    return;
  }
  const { values, positionals } = parseArgs({
    args: [...rest],
    options: { port: { type: "string" }, timeout: { type: "string" } },
    allowPositionals: true,
  });
  const timeoutMs = parseNumber(values.timeout, 5000, "--timeout");
  switch (kind) {
    case "echo": {
      const identity = {
        pod: process.env.POD_NAME ?? "",
        namespace: process.env.POD_NAMESPACE ?? "",
        cluster: process.env.CLUSTER_ID ?? "",
        node: process.env.NODE_NAME ?? "",
      };
      const server = await startEchoServer({ identity, port: parseNumber(values.port, 8080, "--port") });
      process.stdout.write(`${JSON.stringify({ msg: "echo listening", port: server.port, ...identity })}\n`);
      waitForTermination(() => server.close());
      return;
    }
    case "client": {
      const idle = setInterval(() => undefined, 1 << 30);
      process.stdout.write(`${JSON.stringify({ msg: "client idle" })}\n`);
      waitForTermination(() => {
        clearInterval(idle);
        return Promise.resolve();
      });
      return;
    }
    case "http-get": {
      const [url] = positionals;
      if (url === undefined) throw new Error(usage);
      process.stdout.write(await httpGet(url, timeoutMs));
      return;
    }
    case "udp-send": {
      const [target, payload = "ping"] = positionals;
      if (target === undefined) throw new Error(usage);
      process.stdout.write(await udpSend(target, payload, timeoutMs));
      return;
    }
    default:
      throw new Error(`unknown workload "${kind ?? ""}"; ${usage}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${errorMessage(err)}\n`);
  process.exit(1);
});
