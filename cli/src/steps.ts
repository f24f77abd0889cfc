/**
 * Progress of long operations: one line per step on stderr, `✓ what (1.2 s)` or
 * `✗ what (1.2 s): why`, so that a user sees where an operation is and where it stopped.
 */
import { errorMessage } from "@isthmus/core/errors";

/** Runs named steps and reports each. */
export interface StepRunner {
  /** Runs `fn`, prints ✓ or ✗ with the duration; rethrows the failure. `detail` may add text after the name. */
  step<T>(what: string, fn: () => Promise<T>, detail?: (value: T) => string): Promise<T>;
  /** Prints an informational line (indented). */
  note(line: string): void;
}

/** A step runner writing to `stream`. */
export function createStepRunner(stream: NodeJS.WritableStream): StepRunner {
  return {
    async step(what, fn, detail) {
      const start = performance.now();
      const took = (): string => `${((performance.now() - start) / 1000).toFixed(1)} s`;
      try {
        const value = await fn();
        const extra = detail?.(value) ?? "";
        stream.write(`✓ ${what}${extra === "" ? "" : `: ${extra}`} (${took()})\n`);
        return value;
      } catch (err) {
        stream.write(`✗ ${what} (${took()}): ${errorMessage(err)}\n`);
        throw err;
      }
    },
    note(line) {
      stream.write(`  ${line}\n`);
    },
  };
}
