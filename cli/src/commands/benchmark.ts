import { CliError, type Command, type CommandIo, parseCommandArgs, parseOutputFormat } from "../command.js";
import { connectCluster } from "../kube/cluster.js";
import { renderData, renderObject } from "../output.js";
import { inClient, type ProbeCluster, startProbes, stopProbes } from "../probe/pods.js";
import { createStepRunner } from "../steps.js";

const help = `Usage: isthmus benchmark <throughput|latency> --kubeconfig FROM --kubeconfig TO [--seconds N] [--count N] [-o table|json|yaml]

Measures pod to pod across two joined clusters with temporary pods (namespace isthmus-verify):
  throughput  iperf3 TCP from a client pod in FROM to an iperf3 server pod in TO (--seconds, default 5)
  latency     ping from the client pod in FROM to the echo pod in TO (--count, default 20, 0.2 s apart)

Examples:
  isthmus benchmark throughput --kubeconfig "$(isthmus lab kubeconfig c1)" --kubeconfig "$(isthmus lab kubeconfig c2)"
  isthmus benchmark latency --kubeconfig c1.kubeconfig --kubeconfig c2.kubeconfig --count 50 -o json`;

/** Parses `ping` summary output: `rtt min/avg/max/mdev = a/b/c/d ms` and the loss. */
export function parsePing(text: string): { minMs: number; avgMs: number; maxMs: number; mdevMs: number; lossPercent: number } | undefined {
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(text);
  const loss = /([\d.]+)% packet loss/.exec(text);
  if (rtt === null || loss === null) return undefined;
  return { minMs: Number(rtt[1]), avgMs: Number(rtt[2]), maxMs: Number(rtt[3]), mdevMs: Number(rtt[4]), lossPercent: Number(loss[1]) };
}

function parseCount(value: string | undefined, fallback: number, flag: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 600) throw new CliError("UsageError", `${flag} must be a whole number from 1 to 600`);
  return n;
}

async function throughput(from: ProbeCluster, to: ProbeCluster, seconds: number): Promise<Record<string, unknown>> {
  const r = await inClient(from, ["iperf3", "-c", to.iperfIp, "-t", String(seconds), "-J"], (seconds + 20) * 1000);
  const json = JSON.parse(r.stdout) as { end?: { sum_sent?: { bits_per_second: number; retransmits?: number }; sum_received?: { bits_per_second: number } }; error?: string };
  if (json.end?.sum_received === undefined) throw new CliError("Failed", `iperf3 from ${from.id} to ${to.id} failed: ${json.error ?? r.stderr}`);
  return { from: from.id, to: to.id, seconds, sentGbps: Number(((json.end.sum_sent?.bits_per_second ?? 0) / 1e9).toFixed(3)), receivedGbps: Number((json.end.sum_received.bits_per_second / 1e9).toFixed(3)), retransmits: json.end.sum_sent?.retransmits ?? 0 };
}

async function latency(from: ProbeCluster, to: ProbeCluster, count: number): Promise<Record<string, unknown>> {
  const r = await inClient(from, ["ping", "-n", "-q", "-c", String(count), "-i", "0.2", to.echoIp], (count * 0.2 + 20) * 1000);
  const parsed = parsePing(r.stdout);
  if (parsed === undefined) throw new CliError("Failed", `ping from ${from.id} to ${to.id} failed: ${r.stdout}${r.stderr}`);
  return { from: from.id, to: to.id, count, ...parsed };
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const [kind, ...rest] = args;
  if (kind !== "throughput" && kind !== "latency") throw new CliError("UsageError", `${kind === undefined ? "Missing" : `Unknown benchmark "${kind}"`}: use throughput or latency`);
  const { values, positionals } = parseCommandArgs(rest, { kubeconfig: { type: "string", multiple: true }, seconds: { type: "string" }, count: { type: "string" }, output: { type: "string", short: "o" } });
  if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
  const format = parseOutputFormat(values.output);
  const [fromConfig, toConfig, ...extra] = values.kubeconfig ?? [];
  if (fromConfig === undefined || toConfig === undefined || extra.length > 0) throw new CliError("UsageError", "benchmark needs exactly two --kubeconfig: FROM and TO");
  const seconds = parseCount(values.seconds, 5, "--seconds");
  const count = parseCount(values.count, 20, "--count");
  const steps = createStepRunner(io.stderr);
  const [a, b] = [await connectCluster({ kubeconfig: fromConfig }, io), await connectCluster({ kubeconfig: toConfig }, io)];
  try {
    const from = await steps.step(`temporary pods in ${a.name}`, () => startProbes(a, { iperf: false }));
    const to = await steps.step(`temporary pods in ${b.name}`, () => startProbes(b, { iperf: kind === "throughput" }));
    const row = await steps.step(`${kind} ${from.id} → ${to.id}`, () => (kind === "throughput" ? throughput(from, to, seconds) : latency(from, to, count)));
    const columns = Object.keys(row).map((k) => ({ header: k.toUpperCase(), value: (r: Record<string, unknown>) => { const v = r[k]; return typeof v === "string" ? v : JSON.stringify(v); } }));
    io.stdout.write(format === "table" ? renderData("table", [row], columns) : renderObject(format, row));
    return 0;
  } finally {
    for (const t of [a, b]) await steps.step(`remove the temporary pods from ${t.name}`, () => stopProbes(t));
  }
}

/** `isthmus benchmark throughput|latency`. */
export function createBenchmarkCommand(): Command {
  return { name: "benchmark", help, run };
}
