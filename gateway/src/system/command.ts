// The gateway's thin layer over core's `runCommand`: `file args…` optionally inside a named
// network namespace, stdout as text, failures as SystemError (the code tests and callers match on).
import { isAbortError } from "@isthmus/core/errors";
import { CommandError, runCommand } from "@isthmus/core/runtime";
import { SystemError } from "./errors.js";

/** Options of {@link runTool}. */
export interface RunToolOptions {
  /** Run inside this named network namespace (`ip netns exec`); absent = the caller's namespace. */
  readonly netns?: string | undefined;
  /** Text written to the command's stdin. */
  readonly input?: string;
  /** Deadline in ms; default 10000. */
  readonly timeoutMs?: number;
  /** Cancels the command. Cancellation rejects with an AbortError (not a SystemError). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs `file args…` without a shell (core `runCommand`) and resolves with its stdout. Throws
 * SystemError "CommandFailed" (non-zero exit, or the program is missing) with the command line
 * and stderr, "CommandTimedOut" after the deadline.
 */
export async function runTool(file: string, args: readonly string[], options: RunToolOptions = {}): Promise<string> {
  const argv = options.netns === undefined ? [file, ...args] : ["ip", "netns", "exec", options.netns, file, ...args];
  try {
    const result = await runCommand(argv, {
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return result.stdout;
  } catch (err) {
    if (isAbortError(err) || !(err instanceof CommandError)) throw err;
    throw new SystemError(err.code === "CommandTimedOut" ? "CommandTimedOut" : "CommandFailed", err.message, { cause: err });
  }
}

/** Runs a command that prints JSON (`ip -j`, `nft -j`) and parses it; empty output parses as []. */
export async function runToolJson(file: string, args: readonly string[], options: RunToolOptions = {}): Promise<unknown> {
  const out = await runTool(file, args, options);
  if (out.trim() === "") return [];
  try {
    return JSON.parse(out) as unknown;
  } catch (err) {
    throw new SystemError("UnexpectedOutput", `Command "${file} ${args.join(" ")}" printed invalid JSON`, { cause: err });
  }
}
