import { spawn } from "node:child_process";
import { CniError } from "../plugin/errors.js";

/** What a finished command printed and how it exited. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Options of one command. */
export interface RunOptions {
  /** Text written to the command's stdin (e.g. an `ip -batch -` script). */
  readonly stdin?: string;
  /** Run inside this network namespace (a path, e.g. CNI_NETNS) through `nsenter --net=`. */
  readonly netns?: string;
  /** Resolve with the exit status instead of throwing CniError "IoFailure" when it is not 0. */
  readonly allowFailure?: boolean;
}

/**
 * Runs the kernel tools (`ip`, `tc`, `nft`, `sysctl`): one process per batch, never a shell.
 * `hostNetns` makes every command run in that namespace (tests use it for their "node"
 * namespaces; the agent leaves it unset and works in its own).
 */
export interface CommandRunner {
  /** The namespace every command runs in, when not the caller's own. */
  readonly hostNetns: string | undefined;
  /** Runs `argv`; throws CniError "IoFailure" with its stderr unless `allowFailure`. */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandOutput>;
}

const commandTimeoutMs = 20_000;

/** Creates a runner; `hostNetns` is a netns path for tests, undefined for the agent. */
export function createCommandRunner(options: { readonly hostNetns?: string } = {}): CommandRunner {
  const hostNetns = options.hostNetns;
  return {
    hostNetns,
    run: (argv, runOptions = {}) => {
      const netns = runOptions.netns ?? hostNetns;
      return spawnCommand(netns === undefined ? [...argv] : inNetns(argv, netns), runOptions);
    },
  };
}

/** Tools that switch namespaces themselves (`-n NAME` for namespaces under /run/netns): one exec instead of two. */
const selfSwitching = new Set(["ip", "tc", "bridge"]);

/** `argv` run inside `netns`: through the tool's own `-n` when it can, else through nsenter. */
export function inNetns(argv: readonly string[], netns: string): string[] {
  const [file = "", ...rest] = argv;
  const named = /^\/(?:var\/)?run\/netns\/([^/]+)$/.exec(netns)?.[1];
  if (named !== undefined && selfSwitching.has(file)) return [file, "-n", named, ...rest];
  return ["nsenter", `--net=${netns}`, "--", ...argv];
}

function spawnCommand(argv: readonly string[], options: RunOptions): Promise<CommandOutput> {
  const [file = "", ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], timeout: commandTimeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      reject(new CniError("IoFailure", `Cannot run ${argv.join(" ")}: ${e.message}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      const result = { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), code: code ?? 128 };
      if (result.code === 0 || options.allowFailure === true) {
        resolve(result);
        return;
      }
      const why = signal === null ? `exit ${result.code}` : `signal ${signal}`;
      reject(new CniError("IoFailure", `${argv.join(" ")} failed (${why}): ${result.stderr.trim()}`, { details: options.stdin?.trim() ?? "" }));
    });
    child.stdin.on("error", () => {
      // The command exited before reading its stdin; its exit status (handled in "close") says why.
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** Splits `ip -j -batch` output (one JSON document per line) into parsed values. */
export function parseJsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as unknown);
}
