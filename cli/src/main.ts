import { CliError, type CommandIo, wantsHelp } from "./command.js";
import { commandTable, type CommandEntry } from "./commands/index.js";

function usage(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "isthmus: connect Kubernetes clusters into one network.",
    "",
    "Usage: isthmus <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    'Run "isthmus <command> --help" for the options of a command.',
    "",
  ].join("\n");
}

/** Entry point of the `isthmus` command: runs one verb and returns the exit code. */
export async function main(argv: readonly string[], io?: CommandIo): Promise<number> {
  const out: CommandIo = io ?? { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || wantsHelp([name])) {
    out.stdout.write(usage(commandTable));
    return name === undefined ? 2 : 0;
  }
  const entry = commandTable.find((c) => c.name === name);
  if (entry === undefined) {
    out.stderr.write(`isthmus: unknown command "${name}"; run "isthmus --help" for the list\n`);
    return 2;
  }
  const command = await entry.load();
  if (wantsHelp(rest) && !rest.includes("--")) {
    out.stdout.write(command.help.endsWith("\n") ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, out);
  } catch (err) {
    if (err instanceof CliError) {
      out.stderr.write(`isthmus ${name}: ${err.message}\n`);
      return err.code === "UsageError" ? 2 : 1;
    }
    out.stderr.write(`isthmus ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
