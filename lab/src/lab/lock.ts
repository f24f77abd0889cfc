/**
 * One lab operation at a time per state directory: `up` and `down` hold an exclusive lock file
 * (`<stateDir>.lock`, holding the owner's pid) so two test runs or two shells cannot interleave.
 * A lock whose owner is dead is taken over.
 */
import { open, readFile, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { LabError } from "./errors.js";
import { isAlive } from "./processes.js";

const lockWaitMs = 600_000;

/** Runs `fn` while holding the lab's lock; waits (up to 10 min) for another holder to finish. */
export async function withLabLock<T>(stateDir: string, fn: () => Promise<T>, options: { readonly onWait?: (pid: number) => void } = {}): Promise<T> {
  const release = await acquireLock(`${stateDir}.lock`, options);
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * Takes the lock file `path` (created exclusively, holding our pid), waiting up to `waitMs`
 * (default 10 min) while a live process holds it; a lock whose owner is dead is taken over.
 * Returns the release. Lab suites use it too, to keep two test runs out of one lab's agents.
 */
export async function acquireLock(path: string, options: { readonly waitMs?: number; readonly onWait?: (pid: number) => void } = {}): Promise<() => Promise<void>> {
  const waitMs = options.waitMs ?? lockWaitMs;
  const deadline = Date.now() + waitMs;
  let reported = false;
  for (;;) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && !(await isAlive(owner))) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new LabError("Timeout", `Lock ${path} stayed held by pid ${owner ?? "?"} for ${Math.round(waitMs / 1000)} s`);
    }
    if (!reported && owner !== undefined) {
      options.onWait?.(owner);
      reported = true;
    }
    await sleep(owner === undefined ? 20 : 250);
  }
}

/** The pid in the lock file; undefined while its owner is still writing it (or it just went). */
async function readOwner(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) ? pid : undefined;
}
