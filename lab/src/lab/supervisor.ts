/**
 * The lab's supervisor: the parent of every long-running lab process (etcd, kube-apiserver, the
 * apiserver forwarders, kube-controller-manager, kube-scheduler, CoreDNS and its Corefile sync,
 * kube-proxy and the lab kubelet of every node).
 *
 * Design notes (ADR 0330). Lab processes outlive the `isthmus lab up` that starts them, so
 * the one that restarts them is a small detached process of its own per lab (supervisor-main.ts),
 * started first by `up`. Being their parent is what lets it tell *why* a process died (exit code
 * or signal), which a poller of pid files cannot. Each child gets its own process group (so `lab
 * down` can still signal a whole tree by its pid file), stdout and stderr appended to its log,
 * and is started again after a death with back-off (supervision.ts: 0.5 s doubling to 30 s,
 * starting over after a minute of healthy running). Every change is written to the supervision
 * record and the pid file, so `lab status` and the existing pid-file readers need no IPC.
 * Stopping stops the children in reverse start order and never restarts anything again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@isthmus/core/runtime";
import { LabError } from "./errors.js";
import { pidDir } from "./paths.js";
import { describeExit, nextFailureCount, restartDelayMs, writeSupervision, type SupervisedComponent, type SupervisedSpec } from "./supervision.js";

/** What the supervisor process offers its control socket and its signal handler. */
export interface Supervisor {
  /** Starts `spec` and keeps it running; resolves with the first pid. `Conflict` if the name is taken. */
  start(spec: SupervisedSpec): Promise<number>;
  /** The current record of every component (a copy). */
  components(): Readonly<Record<string, SupervisedComponent>>;
  /** Stops every child (SIGTERM in reverse start order, SIGKILL after `graceMs`); never restarts again; idempotent. */
  stop(graceMs?: number): Promise<void>;
}

interface Entry {
  readonly spec: SupervisedSpec;
  child: ChildProcess | undefined;
  startedAtMs: number;
  failures: number;
  timer: NodeJS.Timeout | undefined;
  record: SupervisedComponent;
}

/** Creates the supervisor of the lab at `stateDir`; it writes its record there on every change. */
export function createSupervisor(options: { readonly stateDir: string; readonly logger: Logger }): Supervisor {
  const { stateDir, logger } = options;
  const entries = new Map<string, Entry>();
  let stopping = false;
  let writes = Promise.resolve();

  const persist = (): Promise<void> => {
    const components = Object.fromEntries([...entries].map(([name, e]) => [name, e.record]));
    writes = writes.then(() => writeSupervision({ stateDir }, { supervisorPid: process.pid, components })).catch((err: unknown) => {
      // The record is for readers only; the children keep running whatever happens to it.
      logger.warn({ err }, "cannot write the supervision record; status may be stale");
    });
    return writes;
  };

  const launch = async (entry: Entry): Promise<number> => {
    const { spec } = entry;
    entry.startedAtMs = Date.now();
    const [file, ...args] = spec.argv;
    if (file === undefined) throw new LabError("InvalidOptions", `Process ${spec.name} has no command`);
    const log = await open(spec.logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(file, args, { detached: true, stdio: ["ignore", log.fd, log.fd], env: spec.env });
      const spawned = child;
      entry.child = spawned;
      // Listen at once: a process that dies at birth must not slip past before we record it.
      spawned.once("exit", (code, signal) => {
        if (entry.child === spawned) onExit(entry, code, signal);
      });
      await new Promise<void>((resolve, reject) => {
        child.once("spawn", resolve);
        child.once("error", (err) => {
          entry.child = undefined;
          reject(new LabError("ComponentFailed", `Cannot start ${spec.name}: ${err.message}`, { cause: err }));
        });
      });
    } finally {
      await log.close();
    }
    const pid = child.pid;
    if (pid === undefined) throw new LabError("ComponentFailed", `Cannot start ${spec.name}: no pid`);
    entry.record = { ...entry.record, pid, state: entry.child === child ? "running" : "backoff", startedAt: new Date().toISOString() };
    await writeFile(join(pidDir({ stateDir }), `${spec.name}.pid`), `${pid}\n`);
    await persist();
    return pid;
  };

  const onExit = (entry: Entry, code: number | null, signal: NodeJS.Signals | null): void => {
    entry.child = undefined;
    const reason = describeExit(code, signal);
    entry.failures = nextFailureCount(entry.failures, Date.now() - entry.startedAtMs);
    entry.record = { ...entry.record, state: "backoff", lastExit: { at: new Date().toISOString(), reason } };
    if (stopping) return;
    const delayMs = restartDelayMs(entry.failures);
    logger.warn({ component: entry.spec.name, reason, delayMs, failures: entry.failures }, "component died; starting it again after back-off");
    void persist();
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (stopping) return;
      entry.record = { ...entry.record, restarts: entry.record.restarts + 1 };
      launch(entry).then(
        (pid) => {
          logger.info({ component: entry.spec.name, childPid: pid, restarts: entry.record.restarts }, "component started again");
        },
        (err: unknown) => {
          // Not starting at all (a missing binary) counts as another death: same back-off.
          logger.warn({ component: entry.spec.name, err }, "cannot start component again");
          onExit(entry, 127, null);
        },
      );
    }, delayMs);
  };

  return {
    async start(spec) {
      if (stopping) throw new LabError("Conflict", `The supervisor is stopping; not starting ${spec.name}`);
      if (entries.has(spec.name)) throw new LabError("Conflict", `A process named ${spec.name} is already supervised`);
      await mkdir(pidDir({ stateDir }), { recursive: true });
      const entry: Entry = {
        spec,
        child: undefined,
        startedAtMs: Date.now(),
        failures: 0,
        timer: undefined,
        record: { logFile: spec.logFile, state: "running", restarts: 0, startedAt: new Date().toISOString() },
      };
      entries.set(spec.name, entry);
      try {
        return await launch(entry);
      } catch (err) {
        entries.delete(spec.name);
        throw err;
      }
    },
    components: () => Object.fromEntries([...entries].map(([name, e]) => [name, { ...e.record }])),
    async stop(graceMs = 5_000) {
      stopping = true;
      const running = [...entries.values()].reverse();
      for (const entry of running) clearTimeout(entry.timer);
      // SIGTERM goes out in reverse start order; the waits overlap, so a lab stops within one grace period.
      await Promise.all(running.map((entry) => stopChild(entry.child, graceMs)));
      await persist();
    },
  };
}

/** SIGTERM to the child's process group, SIGKILL after the grace period; resolves when it exited. */
async function stopChild(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once("exit", () => { resolve(); }));
  signalGroup(pid, "SIGTERM");
  const kill = setTimeout(() => { signalGroup(pid, "SIGKILL"); }, graceMs);
  // A process SIGKILL cannot end (stuck in the kernel) must not hold the lab's teardown forever.
  await Promise.race([exited, sleep(graceMs + 5_000)]);
  clearTimeout(kill);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we want.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}
