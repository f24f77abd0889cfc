/** Parses `--name value`, `--name=value` and bare `--name` (true); keys become camelCase. Throws on stray arguments. */
export function parseFlags(args: readonly string[], usage: string): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (match?.[1] === undefined) throw new Error(`Unexpected argument "${arg}"\n${usage}`);
    const key = match[1].replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    const next = args[i + 1];
    if (match[2] !== undefined) out[key] = match[2];
    else if (next !== undefined && !next.startsWith("--")) {
      out[key] = next;
      i++;
    } else out[key] = true;
  }
  return out;
}
