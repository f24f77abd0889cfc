import { execFile } from "node:child_process";
import { KubeletError } from "./errors.js";

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Deadline; default 30 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Runs `argv` (no shell) and resolves with its stdout; rejects with KubeletError "CommandFailed"
 * saying which command failed and its stderr. A thin local stand-in for core's command runner.
 */
export function runCommand(argv: readonly string[], options: RunCommandOptions = {}): Promise<string> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new KubeletError("CommandFailed", "Cannot run an empty command"));
  return new Promise<string>((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: "utf8", timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 << 20, ...(options.signal === undefined ? {} : { signal: options.signal }) },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve(stdout);
          return;
        }
        const why = stderr.trim() || err.message;
        reject(new KubeletError("CommandFailed", `Command "${argv.join(" ")}" failed: ${why}`, { cause: err }));
      },
    );
  });
}
