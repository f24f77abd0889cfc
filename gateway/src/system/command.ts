import { execFile } from "node:child_process";
import { SystemError } from "./errors.js";

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Run inside this named network namespace (`ip netns exec`); absent = the caller's namespace. */
  readonly netns?: string | undefined;
  /** Text written to the command's stdin. */
  readonly input?: string;
  /** Deadline in ms; default 10000. */
  readonly timeoutMs?: number;
  /** Cancels the command (SIGTERM). Cancellation rejects with an AbortError. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs `file args…` without a shell and resolves with its stdout. Throws SystemError
 * "CommandFailed" with the command line and stderr when it exits non-zero, "CommandTimedOut"
 * after the deadline. Bounded output (16 MiB).
 */
export function runCommand(file: string, args: readonly string[], options: RunCommandOptions = {}): Promise<string> {
  const argv = options.netns === undefined ? [file, ...args] : ["ip", "netns", "exec", options.netns, file, ...args];
  const [command = file, ...rest] = argv;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const line = argv.join(" ");
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      rest,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: "utf8", ...(options.signal === undefined ? {} : { signal: options.signal }) },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve(stdout);
        } else if (err.name === "AbortError") {
          reject(Object.assign(new Error(`Command "${line}" was cancelled`, { cause: err }), { name: "AbortError" }));
        } else if (err.killed && err.signal === "SIGTERM" && options.signal?.aborted !== true) {
          reject(new SystemError("CommandTimedOut", `Command "${line}" did not finish within ${timeoutMs} ms`, { cause: err }));
        } else {
          const detail = stderr.trim() === "" ? err.message : stderr.trim();
          reject(new SystemError("CommandFailed", `Command "${line}" failed: ${detail}`, { cause: err }));
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Runs a command that prints JSON (`ip -j`, `nft -j`) and parses it; empty output parses as []. */
export async function runJsonCommand(file: string, args: readonly string[], options: RunCommandOptions = {}): Promise<unknown> {
  const out = await runCommand(file, args, options);
  if (out.trim() === "") return [];
  try {
    return JSON.parse(out) as unknown;
  } catch (err) {
    throw new SystemError("UnexpectedOutput", `Command "${file} ${args.join(" ")}" printed invalid JSON`, { cause: err });
  }
}
