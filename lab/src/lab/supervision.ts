/**
 * The lab's supervision contract, shared by the supervisor process (supervisor.ts) and its
 * readers (`lab up`, `lab status`, `lab logs`): what a supervised process is, when a dead one
 * is started again, how its exit is described, and the record the supervisor keeps on disk
 * (`<state>/supervision.json`), so that a reader never needs the supervisor to be alive.
 * ADR 0330.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { z } from "zod";
import { LabError } from "./errors.js";
import { supervisionFile } from "./paths.js";
import type { LabPlan } from "./plan.js";

/** A process to run and keep running: argv (already wrapped in nsenter), log file, environment. */
export const supervisedSpecSchema = z.strictObject({
  /** Unique in the lab; also the pid file's name (e.g. `c1-kube-apiserver`). */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  argv: z.array(z.string()).min(1),
  logFile: z.string().min(1),
  env: z.record(z.string(), z.string()),
});

/** A process to run and keep running. */
export type SupervisedSpec = z.infer<typeof supervisedSpecSchema>;

const exitSchema = z.strictObject({
  /** When the supervisor saw the exit (ISO 8601). */
  at: z.string(),
  /** "killed by SIGKILL", "exited with code 1", … (see {@link describeExit}). */
  reason: z.string(),
});

const componentSchema = z.strictObject({
  pid: z.number().int().optional(),
  logFile: z.string(),
  /** "running", or "backoff" while waiting to start again. */
  state: z.enum(["running", "backoff"]),
  /** How many times the supervisor started it again after it died. */
  restarts: z.number().int().nonnegative(),
  startedAt: z.string(),
  lastExit: exitSchema.optional(),
});

/** One supervised component as recorded. */
export type SupervisedComponent = z.infer<typeof componentSchema>;

const recordSchema = z.strictObject({
  supervisorPid: z.number().int(),
  components: z.record(z.string(), componentSchema),
});

/** The supervisor's record of every component it runs. */
export type SupervisionRecord = z.infer<typeof recordSchema>;

/** Back-off of restarts: the first after {@link restartBaseMs}, doubling up to {@link restartMaxMs}. */
export const restartBaseMs = 500;
/** The longest wait before starting a component again. */
export const restartMaxMs = 30_000;
/** A component that ran this long before dying counts as healthy: its back-off starts over. */
export const healthyRunMs = 60_000;

/**
 * How long to wait before starting a component again after its `failures`-th death in a row
 * (1 for the first): 0.5 s, 1 s, 2 s, … capped at 30 s.
 */
export function restartDelayMs(failures: number): number {
  const n = Math.max(1, Math.floor(failures));
  return Math.min(restartMaxMs, restartBaseMs * 2 ** Math.min(n - 1, 16));
}

/** The consecutive failure count after a death, given the previous count and how long it ran. */
export function nextFailureCount(previous: number, ranMs: number): number {
  return ranMs >= healthyRunMs ? 1 : previous + 1;
}

/** A process's exit in words: "killed by SIGKILL", "exited with code 1", "exited cleanly (code 0)". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal !== null) return `killed by ${signal}`;
  if (code === 0) return "exited cleanly (code 0)";
  return `exited with code ${code ?? "unknown"}`;
}

/** Parses a start request's body; throws `InvalidOptions` naming what is wrong. */
export function parseSupervisedSpec(value: unknown): SupervisedSpec {
  const parsed = supervisedSpecSchema.safeParse(value);
  if (!parsed.success) throw new LabError("InvalidOptions", `Not a valid process to supervise: ${parsed.error.message}`);
  return parsed.data;
}

/** Reads the supervision record, or undefined when there is none (no supervisor ever ran). */
export async function readSupervision(plan: Pick<LabPlan, "stateDir">): Promise<SupervisionRecord | undefined> {
  const path = supervisionFile(plan);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const parsed = recordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new LabError("InvalidOptions", `Supervision record ${path} is not valid: ${parsed.error.message}`);
  return parsed.data;
}

/** Writes the record atomically (readers never see half a file). */
export async function writeSupervision(plan: Pick<LabPlan, "stateDir">, record: SupervisionRecord): Promise<void> {
  const path = supervisionFile(plan);
  await writeFile(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}
