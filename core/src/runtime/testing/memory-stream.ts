import type { DestinationStream } from "pino";

/** A pino destination that keeps every line in memory, for asserting what was logged. */
export interface MemoryLogStream extends DestinationStream {
  /** Every raw line written so far, in order. */
  readonly lines: readonly string[];
  /** Every line parsed as JSON, in order. */
  records(): Record<string, unknown>[];
  /** All output joined, for "this text never appears" checks. */
  text(): string;
}

/** Creates an in-memory log destination (see {@link MemoryLogStream}). */
export function createMemoryLogStream(): MemoryLogStream {
  const lines: string[] = [];
  return {
    lines,
    write(msg: string): void {
      lines.push(msg);
    },
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(""),
  };
}
