import type { createLogger } from "@isthmus/core/runtime";

/** The pino logger type the broker's components receive (children of main's root logger). */
export type Logger = ReturnType<typeof createLogger>;
