import { spawn, type ChildProcess } from "node:child_process";
import { errorMessage, IsthmusError } from "../errors.js";

/** Why a command did not succeed. */
export type CommandErrorCode = "CommandFailed" | "CommandTimedOut" | "CommandNotFound" | "CommandOutputTooLarge";

/** A command that failed; carries its argv, exit status and the tail of its stderr. */
export class CommandError extends IsthmusError<CommandErrorCode> {
  /** The command line as given. */
  readonly argv: readonly string[];
  /** Exit code, or null when it was killed by a signal or never started. */
  readonly exitCode: number | null;
  /** The signal that ended it, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Its standard error, trimmed and bounded to the last {@link stderrTailBytes} characters. */
  readonly stderr: string;

  constructor(
    code: CommandErrorCode,
    message: string,
    details: { argv: readonly string[]; exitCode?: number | null; signal?: NodeJS.Signals | null; stderr?: string; cause?: unknown },
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.argv = Object.freeze([...details.argv]);
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
    this.stderr = details.stderr ?? "";
  }
}

/** Characters of stderr kept in a {@link CommandError}. */
export const stderrTailBytes = 4096;

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Kill the command (SIGTERM, then SIGKILL after `killGraceMs`) after this long; default none. */
  readonly timeoutMs?: number;
  /** Aborting kills the command the same way; the call then rejects with an AbortError. */
  readonly signal?: AbortSignal;
  /** Written to its standard input, which is then closed; default: stdin is /dev/null. */
  readonly input?: string | Uint8Array;
  /** Variables added to (or, when undefined, removed from) the inherited environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory; default the current one. */
  readonly cwd?: string;
  /** Largest stdout or stderr accepted, in bytes; more kills it ("CommandOutputTooLarge"). Default 16 MiB. */
  readonly maxOutputBytes?: number;
  /** Exit codes besides 0 that count as success (e.g. 1 for `diff`). */
  readonly allowExitCodes?: readonly number[];
  /** Time between SIGTERM and SIGKILL; default 2000 ms. */
  readonly killGraceMs?: number;
}

/** What a command printed and how it exited. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

const defaultMaxOutputBytes = 16 * 1024 * 1024;
const defaultKillGraceMs = 2000;

/** `ip -j addr` style rendering of argv for messages; arguments with spaces are quoted. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(" ");
}

/**
 * Runs `argv[0]` with the remaining arguments, never through a shell, and collects its output.
 * The command runs in its own process group, so a kill reaches its children too. Rejects with
 * `CommandError` ("CommandFailed" for a disallowed exit code or a signal, "CommandTimedOut",
 * "CommandNotFound" when the program or `cwd` does not exist, "CommandOutputTooLarge"), or with an
 * AbortError (`isAbortError`) when `signal` aborts: cancellation is not a command failure. The
 * promise settles only after the process has exited.
 */
export function runCommand(argv: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const [program, ...args] = argv;
  if (program === undefined || program === "") return Promise.reject(new RangeError("runCommand needs a non-empty argv"));
  if (options.signal?.aborted === true) return Promise.reject(abortError(argv, options.signal));
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(program, args, {
      shell: false,
      detached: true,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    watch(child, argv, options, { resolve, reject });
  });
}

interface Settle {
  resolve(result: CommandResult): void;
  reject(err: unknown): void;
}

type KillReason = "timeout" | "abort" | "output";

function watch(child: ChildProcess, argv: readonly string[], options: RunCommandOptions, settle: Settle): void {
  const limit = options.maxOutputBytes ?? defaultMaxOutputBytes;
  const stdout = collect(child.stdout, limit, () => { kill("output"); });
  const stderr = collect(child.stderr, limit, () => { kill("output"); });
  let reason: KillReason | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let done = false;

  const signalGroup = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      child.kill(sig); // the group is gone already; signal the child itself if it is still there
    }
  };
  const kill = (why: KillReason): void => {
    if (reason !== undefined || done) return;
    reason = why;
    signalGroup("SIGTERM");
    graceTimer = setTimeout(() => { signalGroup("SIGKILL"); }, options.killGraceMs ?? defaultKillGraceMs);
  };
  const onAbort = (): void => { kill("abort"); };
  const timeoutTimer = options.timeoutMs === undefined ? undefined : setTimeout(() => { kill("timeout"); }, options.timeoutMs);
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const finish = (outcome: () => void): void => {
    if (done) return;
    done = true;
    clearTimeout(timeoutTimer);
    clearTimeout(graceTimer);
    options.signal?.removeEventListener("abort", onAbort);
    outcome();
  };

  child.on("error", (err: NodeJS.ErrnoException) => {
    if (child.pid !== undefined) return; // a failed kill after spawn; the exit decides the outcome
    finish(() => { settle.reject(spawnError(argv, options, err)); });
  });
  // After a kill, nothing of the command may outlive it: SIGKILL what is left of its group, and
  // stop reading pipes that processes outside the group may still hold open.
  child.on("exit", () => {
    if (reason === undefined || child.pid === undefined) return;
    killLeftovers(child.pid);
    child.stdout?.destroy();
    child.stderr?.destroy();
  });
  child.on("close", (exitCode: number | null, sig: NodeJS.Signals | null) => {
    finish(() => {
      const result = { stdout: stdout.text(), stderr: stderr.text(), exitCode: exitCode ?? -1 };
      if (reason === "abort" && options.signal !== undefined) settle.reject(abortError(argv, options.signal));
      else if (reason !== undefined) settle.reject(killedError(reason, argv, options, result.stderr));
      else if (exitCode === 0 || (exitCode !== null && options.allowExitCodes?.includes(exitCode) === true)) settle.resolve(result);
      else settle.reject(exitError(argv, exitCode, sig, result.stderr));
    });
  });
  if (options.input !== undefined && child.stdin !== null) {
    // EPIPE when the command exits without reading its input: its exit status decides the outcome.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input);
  }
}

function killLeftovers(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch (err) {
    // ESRCH: the whole group is gone already, which is what we want.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

function collect(stream: NodeJS.ReadableStream | null, limit: number, onOverflow: () => void): { text(): string } {
  const chunks: Buffer[] = [];
  let bytes = 0;
  stream?.on("data", (chunk: Buffer) => {
    if (bytes + chunk.length > limit) {
      onOverflow();
      return;
    }
    bytes += chunk.length;
    chunks.push(chunk);
  });
  return { text: () => Buffer.concat(chunks).toString("utf8") };
}

function tail(stderr: string): string {
  const trimmed = stderr.trim();
  return trimmed.length <= stderrTailBytes ? trimmed : `…${trimmed.slice(-stderrTailBytes)}`;
}

function exitError(argv: readonly string[], exitCode: number | null, sig: NodeJS.Signals | null, stderr: string): CommandError {
  const why = exitCode === null ? `was killed by ${sig ?? "a signal"}` : `exited with code ${exitCode}`;
  const bounded = tail(stderr);
  const detail = bounded === "" ? "" : `: ${bounded}`;
  return new CommandError("CommandFailed", `Command \`${formatArgv(argv)}\` ${why}${detail}`, { argv, exitCode, signal: sig, stderr: bounded });
}

function killedError(reason: "timeout" | "output" | "abort", argv: readonly string[], options: RunCommandOptions, stderr: string): CommandError {
  const bounded = tail(stderr);
  if (reason === "output") {
    const limit = options.maxOutputBytes ?? defaultMaxOutputBytes;
    return new CommandError("CommandOutputTooLarge", `Command \`${formatArgv(argv)}\` wrote more than ${limit} bytes of output; killed it`, { argv, stderr: bounded });
  }
  return new CommandError("CommandTimedOut", `Command \`${formatArgv(argv)}\` did not finish within ${options.timeoutMs ?? 0} ms; killed it`, { argv, stderr: bounded });
}

function spawnError(argv: readonly string[], options: RunCommandOptions, err: NodeJS.ErrnoException): CommandError {
  if (err.code === "ENOENT") {
    const where = options.cwd === undefined ? "" : ` (or working directory ${options.cwd} does not exist)`;
    return new CommandError("CommandNotFound", `Cannot run \`${formatArgv(argv)}\`: ${argv[0] ?? ""} not found${where}`, { argv, cause: err });
  }
  return new CommandError("CommandFailed", `Cannot run \`${formatArgv(argv)}\`: ${errorMessage(err)}`, { argv, cause: err });
}

function abortError(argv: readonly string[], signal: AbortSignal): Error {
  const err = new Error(`Command \`${formatArgv(argv)}\` was aborted`, { cause: signal.reason });
  err.name = "AbortError";
  return err;
}
