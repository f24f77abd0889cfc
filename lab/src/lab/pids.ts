/**
 * Pid files of lab processes (`<state>/pids/<name>.pid`) and whether a pid still runs.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pidDir } from "./paths.js";
import type { LabPlan } from "./plan.js";

/** True when a process with this pid exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/stat`, "utf8");
    const state = status.slice(status.lastIndexOf(")") + 2, status.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch (err) {
    // The process is gone, or went while we read its status.
    if (["ENOENT", "ESRCH"].includes((err as NodeJS.ErrnoException).code ?? "")) return false;
    throw err;
  }
}

/** Reads the recorded pid of a named process, or undefined. */
export async function readPid(plan: Pick<LabPlan, "stateDir">, name: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(join(pidDir(plan), `${name}.pid`), "utf8"), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
