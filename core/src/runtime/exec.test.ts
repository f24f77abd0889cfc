import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAbortError } from "../errors.js";
import { CommandError, formatArgv, runCommand } from "./exec.js";

// `/bin/sh -c` appears only here, to make processes that fail, hang or ignore SIGTERM.

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-exec-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
}

/** True while `pid` runs; a zombie counts as gone (PID 1 here may never reap orphans). */
async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** Waits (bounded) until every pid is gone; a kill is delivered at once but a process takes a moment to die. */
async function expectAllGone(pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const alive = (await Promise.all(pids.map(isAlive))).some(Boolean);
    if (!alive) return;
    if (Date.now() > deadline) throw new Error(`processes still running: ${pids.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Pids a shell script wrote to `file`, one per line (written before the test's kill). */
async function pidsFrom(file: string): Promise<number[]> {
  const text = await readFile(file, "utf8");
  return text.trim().split("\n").map(Number);
}

describe("runCommand", () => {
  it("returns stdout, stderr and the exit code of a successful command", async () => {
    const result = await runCommand(["/bin/sh", "-c", "echo out; echo err >&2"]);
    expect(result).toEqual({ stdout: "out\n", stderr: "err\n", exitCode: 0 });
  });

  it("passes arguments without a shell", async () => {
    const result = await runCommand(["echo", "$HOME", "a b", ";", "rm -rf /"]);
    expect(result.stdout).toBe("$HOME a b ; rm -rf /\n");
  });

  it("throws CommandFailed with exit code, trimmed stderr and argv", async () => {
    const err = await rejection(runCommand(["/bin/sh", "-c", "echo '  no such table  ' >&2; exit 3"]));
    expect(err).toBeInstanceOf(CommandError);
    expect(err).toMatchObject({ code: "CommandFailed", exitCode: 3, stderr: "no such table" });
    expect((err as Error).message).toBe("Command `/bin/sh -c \"echo '  no such table  ' >&2; exit 3\"` exited with code 3: no such table");
  });

  it("bounds the stderr kept in the error to its tail", async () => {
    const err = await rejection(runCommand(["/bin/sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x >&2; echo END >&2; exit 1"]));
    const { stderr } = err as CommandError;
    expect(stderr.length).toBeLessThanOrEqual(4097);
    expect(stderr.endsWith("xEND")).toBe(true);
  });

  it("accepts exit codes listed in allowExitCodes", async () => {
    await expect(runCommand(["false"], { allowExitCodes: [1] })).resolves.toMatchObject({ exitCode: 1 });
    await expect(runCommand(["false"], { allowExitCodes: [2] })).rejects.toMatchObject({ code: "CommandFailed", exitCode: 1 });
  });

  it("throws CommandNotFound for a missing program", async () => {
    const err = await rejection(runCommand(["isthmus-no-such-program", "x"]));
    expect(err).toMatchObject({ code: "CommandNotFound", exitCode: null });
    expect((err as Error).message).toContain("isthmus-no-such-program");
  });

  it("throws CommandNotFound for a missing working directory", async () => {
    await expect(runCommand(["true"], { cwd: join(dir, "missing") })).rejects.toMatchObject({ code: "CommandNotFound" });
  });

  it("writes input to stdin", async () => {
    await expect(runCommand(["cat"], { input: "hello\n" })).resolves.toMatchObject({ stdout: "hello\n" });
    await expect(runCommand(["wc", "-c"], { input: new Uint8Array(70_000) })).resolves.toMatchObject({ stdout: "70000\n" });
  });

  it("does not fail when the command ignores its input", async () => {
    await expect(runCommand(["true"], { input: "x".repeat(1_000_000) })).resolves.toMatchObject({ exitCode: 0 });
  });

  it("sets env variables and cwd", async () => {
    const result = await runCommand(["/bin/sh", "-c", "echo $ISTHMUS_TEST_VAR; pwd"], { env: { ISTHMUS_TEST_VAR: "v1" }, cwd: dir });
    expect(result.stdout).toBe(`v1\n${dir}\n`);
  });

  it("times out: kills the whole process group and settles only after it is gone", async () => {
    const pidFile = join(dir, "timeout.pids");
    const err = await rejection(runCommand(["/bin/sh", "-c", `sleep 30 & echo $$ > ${pidFile}; echo $! >> ${pidFile}; wait`], { timeoutMs: 300 }));
    expect(err).toMatchObject({ code: "CommandTimedOut" });
    const pids = await pidsFrom(pidFile);
    expect(pids).toHaveLength(2);
    await expectAllGone(pids);
  });

  it("escalates to SIGKILL when SIGTERM is ignored", async () => {
    const pidFile = join(dir, "stubborn.pids");
    const script = `trap '' TERM; sleep 30 & echo $$ > ${pidFile}; echo $! >> ${pidFile}; wait`;
    const err = await rejection(runCommand(["/bin/sh", "-c", script], { timeoutMs: 300, killGraceMs: 200 }));
    expect(err).toMatchObject({ code: "CommandTimedOut" });
    await expectAllGone(await pidsFrom(pidFile));
  });

  it("rejects with an AbortError when the signal aborts, after killing the process", async () => {
    const pidFile = join(dir, "abort.pids");
    const controller = new AbortController();
    const running = runCommand(["/bin/sh", "-c", `echo $$ > ${pidFile}; echo ready; exec sleep 30`], { signal: controller.signal });
    const deadline = Date.now() + 10_000;
    while (!(await readFile(pidFile, "utf8").then((t) => t.trim() !== "", () => false))) {
      if (Date.now() > deadline) throw new Error("the command never started");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    controller.abort();
    const err = await rejection(running);
    expect(isAbortError(err)).toBe(true);
    await expectAllGone(await pidsFrom(pidFile));
  });

  it("does not start when the signal is already aborted", async () => {
    const err = await rejection(runCommand(["true"], { signal: AbortSignal.abort() }));
    expect(isAbortError(err)).toBe(true);
  });

  it("kills a command whose output exceeds maxOutputBytes", async () => {
    const err = await rejection(runCommand(["/bin/sh", "-c", "head -c 100000 /dev/zero; sleep 30"], { maxOutputBytes: 10_000 }));
    expect(err).toMatchObject({ code: "CommandOutputTooLarge" });
    await expect(runCommand(["head", "-c", "10000", "/dev/zero"], { maxOutputBytes: 10_000 })).resolves.toMatchObject({ exitCode: 0 });
  });

  it("reports a command killed by a signal", async () => {
    const err = await rejection(runCommand(["/bin/sh", "-c", "kill -USR1 $$"]));
    expect(err).toMatchObject({ code: "CommandFailed", exitCode: null, signal: "SIGUSR1" });
  });

  it("rejects an empty argv", async () => {
    await expect(runCommand([])).rejects.toThrow(RangeError);
  });

  it("quotes arguments with spaces in messages", () => {
    expect(formatArgv(["nft", "-f", "-", "add rule"])).toBe('nft -f - "add rule"');
  });
});
