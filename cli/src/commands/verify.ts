import { errorMessage } from "@isthmus/core/errors";
import { CliError, type Command, type CommandIo, parseCommandArgs, parseOutputFormat } from "../command.js";
import { connectCluster } from "../kube/cluster.js";
import { renderData, renderObject } from "../output.js";
import { echoName, httpGet, type ProbeCluster, startProbes, stopProbes } from "../probe/pods.js";
import { waitUntil } from "../kube/apply.js";
import { createStepRunner } from "../steps.js";

const help = `Usage: isthmus verify --kubeconfig A --kubeconfig B [--kubeconfig C ...] [--keep] [-o table|json|yaml]

Checks joined clusters end to end with temporary pods (namespace isthmus-verify): in each
cluster an echo server behind an exported Service echo-<cluster id> and a client. For every
ordered pair of clusters: connectivity (the client reaches the other cluster's echo pod by its
pod IP) and DNS (it reaches echo-<id>.isthmus-verify.svc.clusterset.local). The pods are
removed afterwards unless --keep. Exit code 1 when a check fails.

Examples:
  isthmus verify --kubeconfig "$(isthmus lab kubeconfig c1)" --kubeconfig "$(isthmus lab kubeconfig c2)"`;

interface VerifyRow {
  readonly from: string;
  readonly to: string;
  readonly check: "connectivity" | "dns";
  readonly ok: boolean;
  readonly detail: string;
}

async function pairChecks(from: ProbeCluster, to: ProbeCluster): Promise<VerifyRow[]> {
  const direct = await httpGet(from, `http://${to.echoIp}:8080/verify`);
  const named = echoName(to);
  // DNS and the import converge within seconds of the export: allow them 60 s.
  const dns = await waitUntil(`${named} from ${from.id}`, async () => {
    const r = await httpGet(from, `http://${named}/verify`);
    return r.cluster === to.id ? r : undefined;
  }, { timeoutMs: 60_000, intervalMs: 1000 }).catch((err: unknown) => ({ error: errorMessage(err).split("\n")[0] ?? "" }));
  return [
    { from: from.id, to: to.id, check: "connectivity", ok: direct.cluster === to.id, detail: direct.cluster === undefined ? (direct.error ?? "") : `pod ${to.echoIp} answered from ${direct.cluster}` },
    { from: from.id, to: to.id, check: "dns", ok: "cluster" in dns && dns.cluster === to.id, detail: "cluster" in dns ? `${named} answered from ${dns.cluster ?? ""}` : dns.error ?? "" },
  ];
}

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { kubeconfig: { type: "string", multiple: true }, keep: { type: "boolean" }, output: { type: "string", short: "o" } });
  if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
  const format = parseOutputFormat(values.output);
  const configs = values.kubeconfig ?? [];
  if (configs.length < 2) throw new CliError("UsageError", "verify needs at least two --kubeconfig (joined clusters)");
  const steps = createStepRunner(io.stderr);
  const targets = await Promise.all(configs.map((k) => connectCluster({ kubeconfig: k }, io)));
  const probes: ProbeCluster[] = [];
  try {
    for (const t of targets) probes.push(await steps.step(`temporary pods in ${t.name}`, () => startProbes(t, { iperf: false })));
    const rows: VerifyRow[] = [];
    for (const a of probes) for (const b of probes) if (a !== b) rows.push(...(await steps.step(`${a.id} → ${b.id}`, () => pairChecks(a, b))));
    io.stdout.write(format === "table" ? renderData("table", rows, [
      { header: "FROM", value: (r) => r.from }, { header: "TO", value: (r) => r.to }, { header: "CHECK", value: (r) => r.check },
      { header: "RESULT", value: (r) => (r.ok ? "✓ ok" : "✗ failed") }, { header: "DETAIL", value: (r) => r.detail },
    ]) : renderObject(format, rows));
    return rows.every((r) => r.ok) ? 0 : 1;
  } finally {
    if (values.keep !== true) for (const t of targets) await steps.step(`remove the temporary pods from ${t.name}`, () => stopProbes(t));
  }
}

/** `isthmus verify`. */
export function createVerifyCommand(): Command {
  return { name: "verify", help, run };
}
