/**
 * The full stack on the lab, joined the way an operator joins it: `isthmus deploy-broker` into
 * c1, `isthmus join` of c1 and c2 (gateways, route agents, isthmus-dns, CoreDNS forwarding
 * `clusterset.local`), all through the built CLI of the cli suite. `stop()` uninstalls both
 * clusters, removes the broker and brings back a WAN link a failed test left down.
 *
 * Also the traffic probe of the MCS suites: a bounded loop of HTTP GETs from a pod, each on a
 * new connection (so kube-proxy picks a backend per request), counting which cluster answered.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "@isthmus/core/errors";
import { requireLab } from "@isthmus/lab";
import { labExecOutput, labExecResult, labKubectl } from "@isthmus/lab/testing";
import { isthmus, kubeconfigOf, lockAgentSuites } from "../cli/fixture.js";

/** The joined clusters. */
export const joinedClusters = ["c1", "c2"] as const;

/** A clusterset joined with the CLI. */
export interface JoinedLab {
  /** The broker admin file (`isthmus show ... --broker-admin`). */
  readonly adminFile: string;
  /** Runs `isthmus` with `--kubeconfig` of `cluster` appended; throws with its stderr when it fails. */
  cli(cluster: string, args: readonly string[]): Promise<string>;
  /** The status of the tunnel `from` → `to` as `from`'s gateway reports it to the broker ("" when none). */
  connection(from: string, to: string): Promise<string>;
  /** Uninstalls both clusters and the broker; idempotent. */
  stop(): Promise<void>;
}

/** The gateway node of a lab cluster and its WAN link (`<cluster>-n1`, `wan0`). */
export const gatewayWan = (cluster: string): { target: string; link: string } => ({ target: `${cluster}/${cluster}-n1`, link: "wan0" });

async function run(args: readonly string[]): Promise<string> {
  const result = await isthmus(args);
  if (result.code !== 0) throw new Error(`isthmus ${args.join(" ")} exited ${String(result.code)}: ${result.stderr.slice(-3000)}`);
  return result.stdout;
}

/** Deploys the broker into c1 and joins c1 and c2 with the CLI (takes the agent suites' locks). */
export async function joinLab(): Promise<JoinedLab> {
  const { plan } = await requireLab();
  const release = await lockAgentSuites();
  const dir = await mkdtemp(join(tmpdir(), "isthmus-mcs-suite-"));
  const info = join(dir, "broker-info.json");
  const adminFile = join(dir, "broker-admin.json");
  const skipCni = plan.podNetwork === "none" ? [] : ["--skip-cni"];
  const cli = async (cluster: string, args: readonly string[]): Promise<string> => run([...args, "--kubeconfig", await kubeconfigOf(cluster)]);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const problems: string[] = [];
    try {
      for (const cluster of joinedClusters) {
        const wan = gatewayWan(cluster);
        await labExecOutput(wan.target, ["ip", "link", "set", wan.link, "up"]).catch((err: unknown) => problems.push(`${wan.target} ${wan.link} up: ${errorMessage(err)}`));
      }
      for (const cluster of [...joinedClusters].reverse()) {
        const removed = await isthmus(["uninstall", "--kubeconfig", await kubeconfigOf(cluster), "--broker-admin", adminFile]);
        if (removed.code !== 0) problems.push(`uninstall ${cluster}: ${removed.stderr.slice(-1000)}`);
      }
      await labKubectl("c1", ["delete", "namespace", "isthmus-broker", "--ignore-not-found", "--wait=true", "--timeout=90s"]).catch((err: unknown) => problems.push(errorMessage(err)));
    } finally {
      await rm(dir, { recursive: true, force: true });
      await release();
    }
    if (problems.length > 0) throw new Error(`Cleaning up the joined lab failed: ${problems.join("; ")}`);
  };
  try {
    await run(["deploy-broker", "--kubeconfig", await kubeconfigOf("c1"), "--out", info]);
    for (const cluster of joinedClusters) await cli(cluster, ["join", info, "--clusterid", cluster, ...skipCni]);
    const connection = async (from: string, to: string): Promise<string> => {
      const rows = JSON.parse(await run(["show", "connections", "--broker-admin", adminFile, "-o", "json"])) as { from: string; to: string; status: string }[];
      return rows.find((r) => r.from === from && r.to === to)?.status ?? "";
    };
    return { adminFile, cli, connection, stop };
  } catch (err) {
    await stop().catch((stopErr: unknown) => {
      throw new AggregateError([err, stopErr], `Joining the lab failed (${errorMessage(err)}) and so did its cleanup (${errorMessage(stopErr)})`);
    });
    throw err;
  }
}

/** What a batch of GETs saw: answers per cluster id, failures and the last failure. */
export interface Batch {
  readonly answeredBy: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly lastError: string;
}

/**
 * Runs inside the pod (CommonJS): COUNT sequential GETs of URL, each on its own connection with
 * a TIMEOUT ms deadline; prints the Batch as JSON. Argv: URL COUNT TIMEOUT.
 */
export const batchScript = `
const http = require("node:http");
const [url, count, timeout] = process.argv.slice(1).map((v, i) => (i === 0 ? v : Number(v)));
const get = () => new Promise((resolve, reject) => {
  const req = http.get(url, { agent: false, signal: AbortSignal.timeout(timeout) }, (res) => {
    let body = "";
    res.on("data", (c) => { body += c; });
    res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error("status " + res.statusCode))));
    res.on("error", reject);
  });
  req.on("error", reject);
});
(async () => {
  const answeredBy = {};
  let failed = 0, lastError = "";
  for (let i = 0; i < count; i++) {
    try { const c = JSON.parse(await get()).cluster; answeredBy[c] = (answeredBy[c] || 0) + 1; }
    catch (err) { failed++; lastError = err.message; }
  }
  process.stdout.write(JSON.stringify({ answeredBy, failed, lastError }));
})();
`;

/** Sends `count` GETs of `url` from pod `target` (`<cluster>/<ns>/<pod>`), 2 s each at most. */
export async function httpBatch(target: string, url: string, count: number): Promise<Batch> {
  const timeoutMs = 2_000;
  const result = await labExecResult(target, [process.execPath, "-e", batchScript, url, String(count), String(timeoutMs)], { timeoutMs: count * timeoutMs + 10_000 });
  if (result.code !== 0) throw new Error(`the GET loop in ${target} exited ${String(result.code)}: ${result.stderr.slice(-500)}`);
  return JSON.parse(result.stdout) as Batch;
}

/** The clusters that answered a batch, sorted and comma-joined ("c1,c2"); "" when none did. */
export const answeringClusters = (batch: Batch): string => Object.keys(batch.answeredBy).sort().join();
