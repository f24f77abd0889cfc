import { spawn } from "node:child_process";
import { once } from "node:events";
import { open, readFile } from "node:fs/promises";
import { KubeletError } from "./errors.js";

/** How a container process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started container process (its own process group, stdout+stderr appended to its log). */
export interface ContainerProcess {
  readonly pid: number;
  readonly startedAt: Date;
  /** Resolves once when the process exits (never rejects). */
  readonly exited: Promise<ProcessExit>;
}

/**
 * Spawns `argv` detached (own process group, so the whole tree can be signalled and it survives a
 * kubelet crash for adoption) with stdio appended to `logPath`.
 */
export async function startProcess(argv: readonly string[], options: { env: Readonly<Record<string, string>>; logPath: string }): Promise<ContainerProcess> {
  const [file, ...args] = argv;
  if (file === undefined) throw new KubeletError("InvalidPodSpec", "Cannot start an empty command");
  const log = await open(options.logPath, "a");
  try {
    const child = spawn(file, args, { env: options.env, detached: true, stdio: ["ignore", log.fd, log.fd] });
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once("exit", (code, signal) => { resolve({ code, signal }); });
      child.once("error", () => { resolve({ code: 127, signal: null }); });
    });
    if (child.pid === undefined) {
      const [err] = (await once(child, "error")) as [Error];
      throw new KubeletError("CommandFailed", `Cannot start ${file}: ${err.message}`, { cause: err });
    }
    child.unref();
    return { pid: child.pid, startedAt: new Date(), exited };
  } finally {
    await log.close();
  }
}

/** True when a process with `pid` exists. */
export function isAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when `pid` is alive and its command line contains `needle` (guards against pid reuse). */
export async function isOurProcess(pid: number, needle: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").includes(needle);
  } catch {
    return false;
  }
}

/** Sends `signal` to the process group of `pid` (and to `pid` itself if it has no group); ignores ESRCH. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
}

/** SIGTERM, wait up to `graceMs` for `pid` to go, then SIGKILL the group; resolves when it is gone. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  signalGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) signalGroup(pid, "SIGKILL");
  const killDeadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 20));
  if (isAlive(pid)) throw new KubeletError("CommandFailed", `Process ${pid} survived SIGKILL for 5 s`);
}
