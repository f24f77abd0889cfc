/**
 * The lab's long-running processes (etcd, apiserver, ..., kubelets). Each runs under the lab's
 * supervisor (supervisor.ts, ADR 0330), in its own process group, inside lab namespaces through
 * `nsenter`, with stdout and stderr in a log file and its pid in `<state>/pids/<name>.pid`, so it
 * outlives `lab up`, comes back when it dies, and `lab down` finds it again. `lab down` also scans /proc for any process inside a lab namespace (or naming the
 * state directory on its command line), which catches what a crashed `up` left without a pid file.
 */
import { readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { LabError } from "./errors.js";
import { pidDir } from "./paths.js";
import type { LabPlan } from "./plan.js";
import { tail } from "./run.js";
import { isAlive, readPid } from "./pids.js";
import { stopSupervisor, supervise } from "./supervisor-client.js";

export { isAlive, readPid } from "./pids.js";

/** What to start and where. */
export interface ProcessSpec {
  /** Unique name; also the pid file's name (e.g. `c1-kube-apiserver`). */
  readonly name: string;
  readonly argv: readonly string[];
  /** Network namespace to run in (omitted: the host's). */
  readonly netns?: string;
  /** Mount namespace file to run in (nodes). */
  readonly mountNsFile?: string;
  readonly logFile: string;
  /** Extra environment on top of a minimal PATH. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A process the lab started. */
export interface LabProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
}

const basePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Starts a process under the lab's supervisor (which records its pid and starts it again when it
 * dies, ADR 0330); the caller waits for readiness.
 */
export async function startProcess(plan: LabPlan, spec: ProcessSpec): Promise<LabProcess> {
  const argv = [
    ...(spec.netns === undefined && spec.mountNsFile === undefined
      ? []
      : [
          "nsenter",
          ...(spec.netns === undefined ? [] : [`--net=/run/netns/${spec.netns}`]),
          ...(spec.mountNsFile === undefined ? [] : [`--mount=${spec.mountNsFile}`]),
          "--",
        ]),
    ...spec.argv,
  ];
  if (argv.length === 0) throw new LabError("InvalidOptions", `Process ${spec.name} has no command`);
  const pid = await supervise(plan, { name: spec.name, argv, logFile: spec.logFile, env: { PATH: basePath, HOME: "/root", ...spec.env } });
  return { name: spec.name, pid, logFile: spec.logFile };
}

/** Throws `ComponentFailed` with the log's tail when the process has exited. */
export async function assertAlive(proc: LabProcess): Promise<void> {
  if (await isAlive(proc.pid)) return;
  throw new LabError("ComponentFailed", `${proc.name} exited (pid ${proc.pid}); log ${proc.logFile}: ${await logTail(proc.logFile)}`);
}

/** The last lines of a log file, for error messages. */
export async function logTail(file: string, lines = 8): Promise<string> {
  try {
    return tail(await readFile(file, "utf8"), lines);
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

/** Where to look for lab processes that must die. */
export interface ProcessScope {
  /** Network namespace names (under /run/netns) whose processes belong to the lab. */
  readonly netns: readonly string[];
  /** Mount namespace files whose processes belong to the lab. */
  readonly mountNsFiles: readonly string[];
  /** Further namespace inodes (e.g. pods' network namespaces, bound only inside a node). */
  readonly nsInodes?: readonly string[];
  /** Text on the command line of every lab process: the state directory with a trailing "/". */
  readonly marker: string;
}

/**
 * Stops every lab process: the supervisor first (it stops what it runs, and must not start it
 * again), then pid files (process groups), then anything found in lab namespaces.
 */
export async function stopLabProcesses(plan: LabPlan, scope: ProcessScope): Promise<number[]> {
  const supervised = await recordedPids(plan);
  await stopSupervisor(plan);
  const pids = new Set<number>([...supervised, ...(await recordedPids(plan)), ...(await scanProcesses(scope))]);
  pids.delete(process.pid);
  for (const pid of pids) signal(pid, "SIGTERM", true);
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && (await anyAlive(pids))) await sleep(100);
  for (const pid of pids) signal(pid, "SIGKILL", true);
  const again = await scanProcesses(scope);
  for (const pid of again) if (pid !== process.pid) signal(pid, "SIGKILL", false);
  await rm(pidDir(plan), { recursive: true, force: true });
  return [...pids];
}

async function anyAlive(pids: Iterable<number>): Promise<boolean> {
  for (const pid of pids) if (await isAlive(pid)) return true;
  return false;
}

function signal(pid: number, sig: NodeJS.Signals, group: boolean): void {
  for (const target of group ? [-pid, pid] : [pid]) {
    try {
      process.kill(target, sig);
    } catch (err) {
      // ESRCH: already gone (or not a group leader) — exactly what we want.
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
}

async function recordedPids(plan: LabPlan): Promise<number[]> {
  let files: string[];
  try {
    files = await readdir(pidDir(plan));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const pids: number[] = [];
  for (const f of files.filter((n) => n.endsWith(".pid"))) {
    const pid = await readPid(plan, f.slice(0, -4));
    if (pid !== undefined && (await isAlive(pid))) pids.push(pid);
  }
  return pids;
}

/** Pids of processes inside any of the scope's namespaces or naming its marker. */
export async function scanProcesses(scope: ProcessScope): Promise<number[]> {
  const nsIds = new Set<string>(scope.nsInodes ?? []);
  for (const path of [...scope.netns.map((n) => `/run/netns/${n}`), ...scope.mountNsFiles]) {
    const id = await inodeOf(path);
    if (id !== undefined) nsIds.add(id);
  }
  // Never this process or its ancestors (an `npx isthmus lab down --state-dir ...` names the marker).
  const spared = await ancestors(process.pid);
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || spared.has(pid)) continue;
    if (await belongsToScope(pid, nsIds, scope.marker)) found.push(pid);
  }
  return found;
}

async function belongsToScope(pid: number, nsIds: ReadonlySet<string>, marker: string): Promise<boolean> {
  try {
    for (const kind of ["net", "mnt"]) {
      const link = await readlink(`/proc/${pid}/ns/${kind}`);
      const inode = /\[(\d+)\]/.exec(link)?.[1];
      if (inode !== undefined && nsIds.has(inode)) return true;
    }
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
    return marker !== "" && cmdline.includes(marker);
  } catch (err) {
    // The process exited while we looked, or is a kernel thread without namespaces to read.
    if (["ENOENT", "ESRCH", "EACCES"].includes((err as NodeJS.ErrnoException).code ?? "")) return false;
    throw err;
  }
}

/** `pid` and every ancestor up to init. */
async function ancestors(pid: number): Promise<Set<number>> {
  const chain = new Set<number>();
  let current = pid;
  while (current > 1 && !chain.has(current)) {
    chain.add(current);
    try {
      const stat = await readFile(`/proc/${current}/stat`, "utf8");
      current = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") break;
      throw err;
    }
  }
  return chain;
}

async function inodeOf(path: string): Promise<string | undefined> {
  try {
    return String((await stat(path)).ino);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
