import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withLabLock } from "./lock.js";

describe("withLabLock", () => {
  let dir = "";
  let stateDir = "";

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-lab-lock-"));
    stateDir = join(dir, "lab");
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs one operation at a time and removes the lock afterwards", async () => {
    const events: string[] = [];
    const op = (name: string) => async (): Promise<void> => {
      events.push(`${name} start`);
      await sleep(30);
      events.push(`${name} end`);
    };
    await Promise.all([withLabLock(stateDir, op("a")), withLabLock(stateDir, op("b"))]);
    expect(events).toEqual(events[0] === "a start" ? ["a start", "a end", "b start", "b end"] : ["b start", "b end", "a start", "a end"]);
    expect(existsSync(`${stateDir}.lock`)).toBe(false);
  });

  it("takes over a lock whose owner is dead", async () => {
    await writeFile(`${stateDir}.lock`, "999999999\n");
    await expect(withLabLock(stateDir, () => Promise.resolve("ran"))).resolves.toBe("ran");
  });

  it("releases the lock when the operation fails", async () => {
    await expect(withLabLock(stateDir, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(existsSync(`${stateDir}.lock`)).toBe(false);
  });

  it("reports the live owner it waits for", async () => {
    await writeFile(`${stateDir}.lock`, `${process.ppid}\n`);
    const waitedFor: number[] = [];
    const pending = withLabLock(stateDir, () => Promise.resolve(), { onWait: (pid) => waitedFor.push(pid) });
    await sleep(100);
    expect(waitedFor).toEqual([process.ppid]);
    await rm(`${stateDir}.lock`);
    await pending;
  });
});
