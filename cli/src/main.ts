/** Entry point of the `isthmus` command: parses argv, runs one verb, returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  await Promise.resolve();
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write("Usage: isthmus <command> [options]\n\nCommands arrive with their issues.\n");
    return 0;
  }
  process.stderr.write(`isthmus: unknown command "${argv[0] ?? ""}"; run "isthmus --help"\n`);
  return 2;
}
