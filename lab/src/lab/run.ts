/**
 * The lab's command runner: argv only (never a shell string), captured output, typed errors
 * with the tail of stderr. A stand-in until core's runtime ships one (then this file becomes a
 * thin adapter and nothing else changes).
 */
import { spawn } from "node:child_process";
import { LabError } from "./errors.js";

/** Options of {@link runCommand}. */
export interface RunOptions {
  /** Written to the command's stdin, then stdin is closed. */
  readonly input?: string;
  /** Return a non-zero exit code instead of throwing `CommandFailed`. */
  readonly allowFailure?: boolean;
  /** Kill the command and throw `Timeout` after this long (default 60 s). */
  readonly timeoutMs?: number;
}

/** What a finished command produced. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const defaultTimeoutMs = 60_000;

/** Runs `argv` to completion; throws `CommandFailed` on a non-zero exit unless allowed. */
export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new LabError("InvalidOptions", "Cannot run an empty command"));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new LabError("Timeout", `Command "${argv.join(" ")}" did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new LabError("CommandFailed", `Cannot run "${argv.join(" ")}": ${e.message}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (result.code === 0 || options.allowFailure === true) {
        resolve(result);
        return;
      }
      const why = signal === null ? `exit code ${result.code}` : `signal ${signal}`;
      reject(new LabError("CommandFailed", `Command "${argv.join(" ")}" failed (${why}): ${tail(result.stderr, 5)}`));
    });
    if (child.stdin !== null) {
      // A command that exits without reading its input closes the pipe: its exit code tells.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** The last `lines` non-empty lines of a text (each cut to 300 characters), joined by " | ". */
export function tail(text: string, lines: number): string {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-lines)
    .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l))
    .join(" | ");
}

/** The argv prefix that runs a command in a network namespace (and optionally a mount namespace file). */
export function nsenterArgv(netns: string, mountNsFile?: string): string[] {
  return ["nsenter", `--net=/run/netns/${netns}`, ...(mountNsFile === undefined ? [] : [`--mount=${mountNsFile}`]), "--"];
}
