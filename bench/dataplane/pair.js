// The netns pair both netns data-plane benchmarks measure on (run.js, global-nat.js):
// gateway/dist/testing/topology.js's pod1 — gw1 ══ 198.18.0.0/24 ══ gw2 — pod2, removed at exit
// (and on SIGINT), with the commands each benchmark runs in its namespaces.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const { createGatewayPair } = await import(join(repo, "gateway", "dist", "testing", "topology.js"));
const { randomTag, waitFor } = await import(join(repo, "gateway", "dist", "testing", "netns.js"));

/** Runs `argv` in `netns`; its stdout. */
export function inNs(netns, argv, timeoutMs) {
  return execFileSync("ip", ["netns", "exec", netns, ...argv], { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * iperf3 for `seconds` from namespace `from` to `address`, the server running once in `to` bound
 * to `bind`, with `extra` client args; its JSON report.
 */
export async function iperf({ from, to, bind, address, seconds, extra = [] }) {
  const server = spawn("ip", ["netns", "exec", to, "iperf3", "-s", "-1", "-B", bind], { stdio: "ignore" });
  const exited = new Promise((resolve) => server.once("exit", resolve));
  await waitFor("iperf3 server", async () => inNs(to, ["ss", "-ltnH", "sport = :5201"], 5000).trim() !== "");
  try {
    return JSON.parse(inNs(from, ["iperf3", "-c", address, "-t", String(seconds), "-J", ...extra], (seconds + 30) * 1000));
  } finally {
    server.kill();
    await exited;
  }
}

/** Creates the pair under a fresh tag; `cleanup()` (idempotent, also run on SIGINT) removes it. */
export async function openPair() {
  const tag = randomTag();
  const pair = await createGatewayPair(tag);
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await pair.lab.cleanup();
  };
  process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));
  return { tag, pair, cleanup };
}
