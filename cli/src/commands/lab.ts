import { spawn } from "node:child_process";
import { isIsthmusError } from "@isthmus/core/errors";
import type { LabStatus, LabTopology } from "@isthmus/lab";
import { CliError, type Command, type CommandIo, parseCommandArgs, parseOutputFormat } from "../command.js";
import { renderData, renderObject } from "../output.js";

const help = `Usage: isthmus lab <verb> [options]

Real Kubernetes clusters on this machine: network namespaces for nodes, a real control plane
(etcd, kube-apiserver, kube-controller-manager, kube-scheduler, CoreDNS) per cluster, kube-proxy
and the lab kubelet on every node. A supervisor per lab starts any of them again, with back-off,
when it dies. Needs root. State lives in /var/lib/isthmus-lab.

Verbs:
  up [--clusters N] [--nodes K] [--nat IDS] [--overlap IDS] [--cni MODE|c1=MODE,c2=MODE]
                        Bring a lab up (default 2 clusters x 2 nodes, at most 4 x 4). Idempotent:
                        says so when the lab is already up. Progress (✓/✗ per step) goes to
                        stderr. Bad flags are refused before anything starts.
                        --nat c3[,c4] puts those clusters' gateway nodes behind a NAT router;
                        --overlap c1,c2 gives those clusters identical pod and service CIDRs
                        (the first one's), as global addresses (Globalnet) need;
                        --cni picks the pod network, for all clusters or per cluster (one not
                        named gets isthmus): isthmus (default: isthmus-cni installed from
                        deploy/cni), flannel (flannel's own manifest: flanneld, kube subnet
                        manager, VXLAN, --ip-masq), reference (Debian's bridge + host-local
                        plugins with routes between nodes), reference-masq (the same with the
                        bridge's ipMasq: true) or none (a CNI you deploy).
  down                  Remove every namespace, link, mount, process and file of the lab,
                        also after a crash or a half-finished up.
  status [-o table|json|yaml]
                        Clusters, components (processes) with their restarts and last exit
                        reason, nodes and pods. Exits 1 when something is not running.
  logs <cluster>/<component> [--lines N] [-f]
                        Print the end of a component's log (default 50 lines); -f keeps
                        printing what is appended (a restarted component appends to it) until
                        Ctrl-C. Components as status lists them: etcd, kube-apiserver,
                        kube-controller-manager, kube-scheduler, coredns, n1-kubelet,
                        n1-kube-proxy, … (c1/n1/kubelet works too).
  kubeconfig <cluster>  Print the path of the cluster's admin kubeconfig.
  exec <target> -- <command...>
                        Run a command in <cluster>/cp (control plane), <cluster>/<node>
                        (e.g. c1/n1 or c1/c1-n1) or <cluster>/<namespace>/<pod>.

Common option:
  --state-dir DIR       Where the lab keeps its state (default /var/lib/isthmus-lab).

Examples:
  isthmus lab up --clusters 3 --nodes 2 --nat c3 --overlap c1,c2
  kubectl --kubeconfig "$(isthmus lab kubeconfig c1)" get nodes -o wide
  isthmus lab exec c1/default/client -- wget -qO- http://echo
  isthmus lab logs c1/kube-apiserver -f
  isthmus lab down`;

/** `isthmus lab`: up, down, status, kubeconfig and exec for the local lab. */
export function createLabCommand(): Command {
  return {
    name: "lab",
    help,
    async run(args, io) {
      const [verb, ...rest] = args;
      switch (verb) {
        case "up":
          return up(rest, io);
        case "down":
          return down(rest, io);
        case "status":
          return status(rest, io);
        case "kubeconfig":
          return kubeconfig(rest, io);
        case "exec":
          return exec(rest, io);
        case "logs":
          return logs(rest, io);
        default:
          throw new CliError("UsageError", `${verb === undefined ? "Missing verb" : `Unknown verb "${verb}"`}: use up, down, status, logs, kubeconfig or exec`);
      }
    },
  };
}

const stateDirOption = { "state-dir": { type: "string" } } as const;

function location(values: { "state-dir"?: string | undefined }): { stateDir?: string } {
  return values["state-dir"] === undefined ? {} : { stateDir: values["state-dir"] };
}

/** The topology flags as lab options; a bad flag is a usage error (exit 2), raised before anything starts. */
// Each verb imports what it uses when it runs: `lab exec`, which the test suites call hundreds of
// times, loads only `@isthmus/lab/exec` (docs/adr/0704-fast-start.md).

async function topology(values: {
  clusters?: string | undefined;
  nodes?: string | undefined;
  nat?: string | undefined;
  overlap?: string | undefined;
  cni?: string | undefined;
}): Promise<LabTopology> {
  const { parseTopologyFlags } = await import("@isthmus/lab");
  try {
    return parseTopologyFlags(values);
  } catch (err) {
    if (isIsthmusError(err, "InvalidOptions")) throw new CliError("UsageError", err.message, { cause: err });
    throw err;
  }
}

async function up(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...stateDirOption,
    clusters: { type: "string" },
    nodes: { type: "string" },
    overlap: { type: "string" },
    nat: { type: "string" },
    cni: { type: "string" },
  });
  noPositionals("up", positionals);
  const shape = await topology(values);
  const { labUp } = await import("@isthmus/lab");
  const result = await labUp(
    {
      ...location(values),
      ...shape,
    },
    { env: io.env, onProgress: (line) => io.stderr.write(`${line}\n`) },
  );
  io.stdout.write(
    result.alreadyUp
      ? `lab already up: ${result.plan.clusters.map((c) => c.id).join(", ")}\n`
      : `lab up: ${result.plan.clusters.map((c) => c.id).join(", ")} in ${(result.durationMs / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

async function down(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, stateDirOption);
  noPositionals("down", positionals);
  const { labDown } = await import("@isthmus/lab");
  const report = await labDown(location(values));
  io.stderr.write(`✓ stopped ${report.processes.length} processes, removed ${report.namespaces.length} namespaces and ${report.mounts.length} mounts\n`);
  io.stdout.write("lab down\n");
  return 0;
}

async function status(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...stateDirOption, output: { type: "string", short: "o" } });
  noPositionals("status", positionals);
  const format = parseOutputFormat(values.output);
  const { labStatus } = await import("@isthmus/lab");
  const lab = await labStatus(location(values));
  io.stdout.write(format === "table" ? renderStatusTable(lab) : renderObject(format, lab));
  return lab.supervisor.running && lab.clusters.every((c) => c.error === undefined && c.components.every((p) => p.running)) ? 0 : 1;
}

function renderStatusTable(lab: LabStatus): string {
  const nodes = lab.clusters.flatMap((c) => c.nodes.map((n) => ({ cluster: c.id, ...n })));
  const components = lab.clusters.flatMap((c) => c.components.map((p) => ({ cluster: c.id, ...p })));
  const pods = lab.clusters.flatMap((c) => c.pods.map((p) => ({ cluster: c.id, ...p })));
  const errors = lab.clusters.flatMap((c) => (c.error === undefined ? [] : [`${c.id}: ${c.error}\n`]));
  const supervisor = lab.supervisor.running
    ? `supervisor pid ${String(lab.supervisor.pid)}: restarts lab processes that die`
    : "supervisor NOT running: processes that die stay down (isthmus lab down, then up)";
  return [
    `lab at ${lab.stateDir}${lab.complete ? "" : " (incomplete: run isthmus lab down, then up)"}; ${supervisor}\n`,
    renderData("table", nodes, [
      { header: "CLUSTER", value: (r) => r.cluster },
      { header: "NODE", value: (r) => r.name },
      { header: "READY", value: (r) => String(r.ready) },
      { header: "POD-CIDR", value: (r) => r.podCidr ?? "-" },
      { header: "INTERNAL-IP", value: (r) => r.internalIp ?? "-" },
    ]),
    renderData("table", components, [
      { header: "CLUSTER", value: (r) => r.cluster },
      { header: "COMPONENT", value: (r) => r.name },
      { header: "PID", value: (r) => String(r.pid ?? "-") },
      { header: "RUNNING", value: (r) => String(r.running) },
      { header: "RESTARTS", value: (r) => String(r.restarts) },
      { header: "LAST-EXIT", value: (r) => (r.lastExit === undefined ? "-" : `${r.lastExit.reason} at ${r.lastExit.at}`) },
    ]),
    renderData("table", pods, [
      { header: "CLUSTER", value: (r) => r.cluster },
      { header: "NAMESPACE", value: (r) => r.namespace },
      { header: "POD", value: (r) => r.name },
      { header: "NODE", value: (r) => r.node ?? "-" },
      { header: "PHASE", value: (r) => r.phase ?? "-" },
      { header: "IP", value: (r) => r.ip ?? "-" },
    ]),
    ...errors,
  ].join("\n");
}

async function kubeconfig(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, stateDirOption);
  const [cluster, ...extra] = positionals;
  if (cluster === undefined || extra.length > 0) throw new CliError("UsageError", "Usage: isthmus lab kubeconfig <cluster>");
  const { labKubeconfig } = await import("@isthmus/lab");
  io.stdout.write(`${await labKubeconfig(cluster, location(values))}\n`);
  return 0;
}

async function exec(args: readonly string[], io: CommandIo): Promise<number> {
  const dashes = args.indexOf("--");
  if (dashes < 0) throw new CliError("UsageError", "Usage: isthmus lab exec <target> -- <command...>");
  const { values, positionals } = parseCommandArgs(args.slice(0, dashes), stateDirOption);
  const command = args.slice(dashes + 1);
  const [target, ...extra] = positionals;
  if (target === undefined || extra.length > 0 || command.length === 0) {
    throw new CliError("UsageError", "Usage: isthmus lab exec <target> -- <command...>");
  }
  const { labExecArgv } = await import("@isthmus/lab/exec");
  const [file, ...rest] = [...(await labExecArgv(target, location(values))), ...command];
  if (file === undefined) throw new CliError("UsageError", "Nothing to run");
  return new Promise((resolve, reject) => {
    const child = spawn(file, rest, { stdio: ["inherit", "pipe", "pipe"] });
    child.stdout.pipe(io.stdout, { end: false });
    child.stderr.pipe(io.stderr, { end: false });
    child.on("error", (err) => {
      reject(new CliError("Failed", `Cannot run ${command.join(" ")} in ${target}: ${err.message}`, { cause: err }));
    });
    child.on("close", (code) => {
      resolve(code ?? 1);
    });
  });
}

async function logs(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...stateDirOption, lines: { type: "string" }, follow: { type: "boolean", short: "f" } });
  const [target, ...extra] = positionals;
  if (target === undefined || extra.length > 0) throw new CliError("UsageError", "Usage: isthmus lab logs <cluster>/<component> [--lines N] [-f]");
  const lines = values.lines === undefined ? undefined : Number(values.lines);
  if (lines !== undefined && (!Number.isInteger(lines) || lines < 0)) throw new CliError("UsageError", `--lines must be a whole number, got "${String(values.lines)}"`);
  const abort = new AbortController();
  const stop = (): void => {
    abort.abort();
  };
  // Following ends with Ctrl-C: stop reading, then return normally.
  if (values.follow === true) process.once("SIGINT", stop);
  const { labLogs } = await import("@isthmus/lab");
  try {
    await labLogs(target, {
      ...location(values),
      ...(lines === undefined ? {} : { lines }),
      follow: values.follow === true,
      signal: abort.signal,
      write: (text) => io.stdout.write(text),
    });
  } finally {
    process.off("SIGINT", stop);
  }
  return 0;
}

function noPositionals(verb: string, positionals: readonly string[]): void {
  if (positionals.length > 0) throw new CliError("UsageError", `lab ${verb} takes no arguments, got "${positionals.join(" ")}"`);
}
