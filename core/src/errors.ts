/**
 * The base of every error Isthmus throws on purpose. Each package family defines its own
 * subclass with a string union of codes (tests assert codes, not messages); the message says
 * what failed and why, and `cause` keeps the underlying error.
 */
export class IsthmusError<Code extends string = string> extends Error {
  /** Machine-readable reason; stable across releases. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `err` is an IsthmusError, optionally with the given code. */
export function isIsthmusError(err: unknown, code?: string): err is IsthmusError {
  return err instanceof IsthmusError && (code === undefined || err.code === code);
}

/** True when `err` is the rejection of an aborted operation (cancellation is not an error). */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === "AbortError" || (err as { code?: unknown }).code === "ABORT_ERR");
}

/** The message of anything thrown, for wrapping into a new message. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
