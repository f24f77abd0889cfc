/**
 * The lab's side of its supervisor (supervisor.ts): start the supervisor process of a lab, ask
 * it to run a process, stop it. Talks HTTP over `<state>/supervisor.sock`. ADR 0330.
 */
import { spawn } from "node:child_process";
import { request } from "node:http";
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { errorMessage } from "@isthmus/core/errors";
import { LabError } from "./errors.js";
import { pidDir, supervisorSocket } from "./paths.js";
import type { LabPlan } from "./plan.js";
import { isAlive, readPid } from "./pids.js";
import type { SupervisedSpec } from "./supervision.js";
import { waitFor } from "./wait.js";

/** Name of the supervisor's pid file (`<state>/pids/supervisor.pid`). */
export const supervisorName = "supervisor";
/** The supervisor's entry file, relative to the repo root. */
export const supervisorEntry = "lab/dist/lab/supervisor-main.js";

const startMs = 15_000;
const requestMs = 30_000;

/** One HTTP exchange over the supervisor's socket; resolves with the status and parsed body. */
function call(plan: Pick<LabPlan, "stateDir">, method: "GET" | "POST", body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: supervisorSocket(plan), path: "/processes", method, timeout: requestMs, headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown });
        } catch (err) {
          reject(new LabError("ComponentFailed", `The lab supervisor answered something that is not JSON: ${errorMessage(err)}`, { cause: err }));
        }
      });
    });
    req.on("timeout", () => req.destroy(new LabError("Timeout", `The lab supervisor did not answer within ${requestMs} ms`)));
    req.on("error", (err) => {
      reject(err instanceof LabError ? err : new LabError("ComponentFailed", `Cannot reach the lab supervisor at ${supervisorSocket(plan)}: ${err.message}`, { cause: err }));
    });
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Starts the lab's supervisor (detached, it outlives `lab up`) and waits until it answers. */
export async function startSupervisor(plan: LabPlan, options: { readonly repoRoot: string }): Promise<number> {
  await mkdir(pidDir(plan), { recursive: true });
  const logFile = join(plan.stateDir, "supervisor.log");
  const log = await open(logFile, "a");
  let pid: number;
  try {
    // The state directory with a trailing "/" on the command line: teardown's process scan finds it by that.
    const child = spawn(process.execPath, [join(options.repoRoot, supervisorEntry), "--state-dir", `${plan.stateDir}/`], {
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
    });
    pid = await new Promise<number>((resolve, reject) => {
      child.once("error", (err) => {
        reject(new LabError("ComponentFailed", `Cannot start the lab supervisor: ${err.message}`, { cause: err }));
      });
      child.once("spawn", () => {
        if (child.pid === undefined) reject(new LabError("ComponentFailed", "Cannot start the lab supervisor: no pid"));
        else resolve(child.pid);
      });
    });
    child.unref();
  } finally {
    await log.close();
  }
  await writeFile(join(pidDir(plan), `${supervisorName}.pid`), `${pid}\n`);
  await waitFor("the lab supervisor to answer", async () => ((await call(plan, "GET")).status === 200 ? true : undefined), {
    timeoutMs: startMs,
    intervalMs: 100,
    precheck: async () => {
      if (!(await isAlive(pid))) throw new LabError("ComponentFailed", `The lab supervisor exited at start; see ${logFile}`);
    },
  });
  return pid;
}

/** Asks the supervisor to run `spec` and keep it running; resolves with its pid. */
export async function supervise(plan: LabPlan, spec: SupervisedSpec): Promise<number> {
  const { status, body } = await call(plan, "POST", spec);
  const answer = body as { pid?: unknown; message?: unknown };
  if (status === 200 && typeof answer.pid === "number") return answer.pid;
  throw new LabError("ComponentFailed", `The lab supervisor did not start ${spec.name}: ${typeof answer.message === "string" ? answer.message : `status ${status}`}`);
}

/**
 * Stops the supervisor, which stops every process it runs first (SIGTERM, then SIGKILL); kills
 * it after `timeoutMs`. Resolves with its pid, or undefined when none was running.
 */
export async function stopSupervisor(plan: Pick<LabPlan, "stateDir">, timeoutMs = 20_000): Promise<number | undefined> {
  const pid = await readPid(plan, supervisorName);
  if (pid === undefined || !(await isAlive(pid))) return undefined;
  kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (await isAlive(pid))) await sleep(100);
  kill(pid, "SIGKILL");
  return pid;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    // ESRCH: already gone.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}
