import { IsthmusError } from "../errors.js";

/**
 * Why a Kubernetes helper failed:
 * - `NoConfig`: no kubeconfig given or found and not running in a pod.
 * - `BadConfig`: a kubeconfig or the in-cluster service-account files are unreadable or invalid.
 * - `NotFound`: the API server answered 404.
 * - `Conflict`: the API server answered 409 (stale resourceVersion, or the object already exists).
 * - `ApiError`: any other failed API call (network, 5xx, 403, ...).
 * - `InvalidOptions`: a helper was given options it cannot work with (a programming error).
 * - `NotReady`: waiting for an informer's first sync timed out.
 */
export type KubeErrorCode = "NoConfig" | "BadConfig" | "NotFound" | "Conflict" | "ApiError" | "InvalidOptions" | "NotReady";

/** The error the Kubernetes helpers throw; `status` is the HTTP status when the API server answered. */
export class KubeError extends IsthmusError<KubeErrorCode> {
  /** HTTP status of the failed API call, when there was a response. */
  readonly status: number | undefined;

  constructor(code: KubeErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
}

/** The HTTP status of a client-node `ApiException` (or anything with a numeric `code` 100-599). */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) {
    return undefined;
  }
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" && code >= 100 && code <= 599 ? code : undefined;
}

/**
 * Converts a failed API call into a KubeError: 404 → NotFound, 409 → Conflict, else ApiError.
 * `what` says what was attempted, e.g. `Cannot replace Lease isthmus-system/isthmus-gateway`.
 */
export function toKubeError(what: string, err: unknown): KubeError {
  if (err instanceof KubeError) {
    return err;
  }
  const status = httpStatusOf(err);
  const reason = describeApiFailure(err, status);
  const code = status === 404 ? "NotFound" : status === 409 ? "Conflict" : "ApiError";
  return new KubeError(code, `${what}: ${reason}`, status === undefined ? { cause: err } : { cause: err, status });
}

function describeApiFailure(err: unknown, status: number | undefined): string {
  const body = typeof err === "object" && err !== null ? (err as { body?: unknown }).body : undefined;
  const bodyMessage = parseStatusMessage(body);
  if (status !== undefined) {
    return `HTTP ${status}${bodyMessage === undefined ? "" : ` ${bodyMessage}`}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The `message` of a Kubernetes `Status` body (object or JSON text), if there is one. */
function parseStatusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return body.slice(0, 200);
    }
  }
  const message = typeof value === "object" && value !== null ? (value as { message?: unknown }).message : undefined;
  return typeof message === "string" ? message : undefined;
}
