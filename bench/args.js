// Command-line options of the benchmarks (`--name value`), checked: a typo or an out-of-range
// value stops the benchmark with a message naming the option, instead of a NaN in the table or
// a silently smaller run.

/** The value after `--name`, or undefined when the option is absent. */
function raw(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
  return value;
}

/** A number option: `fallback` when absent; an error when not a number in [min, max]. */
export function numberArg(name, fallback, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  const value = raw(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${String(min)} to ${String(max)}, not ${value}`);
  return n;
}

/** One of `choices`: `fallback` (may be undefined) when absent; an error otherwise. */
export function choiceArg(name, choices, fallback) {
  const value = raw(name);
  if (value === undefined) return fallback;
  if (!choices.includes(value)) throw new Error(`--${name} must be one of ${choices.join(", ")}, not ${value}`);
  return value;
}
