import { parseArgs, type ParseArgsConfig } from "node:util";
import { IsthmusError } from "@isthmus/core/errors";

/** Codes of the errors the CLI reports to its user. */
export type CliErrorCode = "UsageError" | "Failed";

/** An error the CLI prints as one line; `UsageError` exits 2, everything else 1. */
export class CliError extends IsthmusError<CliErrorCode> {}

/** Where a command writes; tests pass buffers, `main` passes the process streams. */
export interface CommandIo {
  /** Data and results. */
  readonly stdout: NodeJS.WritableStream;
  /** Progress, warnings and errors. */
  readonly stderr: NodeJS.WritableStream;
  /** The process environment, read only here and in `main`. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One verb of the `isthmus` command, possibly with sub-verbs of its own. */
export interface Command {
  /** The word that selects the command (`lab`, `join`, ...); its summary is in the command table. */
  readonly name: string;
  /** The full `--help` text: usage line, what it does, options, examples. */
  readonly help: string;
  /** Runs the command with the arguments after its name; returns the exit code. */
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** Output formats for commands whose output is data. */
export type OutputFormat = "table" | "json" | "yaml";

/** Parses `args` strictly (unknown options are a UsageError) with `--help` handled by the caller. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError("UsageError", err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/** Validates an `-o` value. */
export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === "table") return "table";
  if (value === "json" || value === "yaml") return value;
  throw new CliError("UsageError", `Unknown output format "${value}": use table, json or yaml`);
}

/** True when the arguments ask for help. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}
