/**
 * A minimal Kubernetes API client for the orchestrator: HTTPS with the client certificate of a
 * lab kubeconfig, JSON in and out. The orchestrator needs only a handful of calls (readiness,
 * nodes, bootstrap objects), so it does not pull a full client library into `lab up`.
 */
import { errorMessage } from "@isthmus/core/errors";
import { LabError } from "./errors.js";
import { kubeRoundTrip, readKubeTarget } from "./kube-transport.js";

/** A client bound to one cluster and identity. */
export interface LabKubeClient {
  /** The API server URL the kubeconfig names. */
  readonly server: string;
  /** Sends a request; resolves with status and parsed JSON body (undefined when not JSON). */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; text: string }>;
  /** GET that throws `ApiError` unless 200. */
  get<T>(path: string): Promise<T>;
  /** POST that treats 409 AlreadyExists as success (idempotent create). */
  ensure(path: string, object: unknown): Promise<void>;
  /** PUT of a whole object; throws `ApiError` unless 200/201. */
  put(path: string, object: unknown): Promise<void>;
}

/** Creates a client from a lab kubeconfig (the JSON files pki.ts writes). */
export async function createLabKubeClient(kubeconfigPath: string, options: { readonly timeoutMs?: number } = {}): Promise<LabKubeClient> {
  let target;
  try {
    target = await readKubeTarget(kubeconfigPath);
  } catch (err) {
    throw new LabError("InvalidOptions", `Cannot read kubeconfig ${kubeconfigPath}: ${errorMessage(err)}`, { cause: err });
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const send: LabKubeClient["request"] = async (method, path, body) => {
    try {
      const answer = await kubeRoundTrip(target, { method, path, body, timeoutMs });
      return { ...answer, body: parseJson(answer.text) };
    } catch (err) {
      throw new LabError("ApiError", `${method} ${target.server}${path} failed: ${errorMessage(err)}`, { cause: err });
    }
  };
  return {
    server: target.server,
    request: send,
    async get<T>(path: string): Promise<T> {
      const res = await send("GET", path);
      if (res.status !== 200) throw apiError("GET", path, res);
      return res.body as T;
    },
    async ensure(path, object) {
      const res = await send("POST", path, object);
      if (res.status !== 201 && res.status !== 200 && res.status !== 409) throw apiError("POST", path, res);
    },
    async put(path, object) {
      const res = await send("PUT", path, object);
      if (res.status !== 200 && res.status !== 201) throw apiError("PUT", path, res);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not every endpoint answers JSON (/readyz answers text); callers use `text` then.
    return undefined;
  }
}

function apiError(method: string, path: string, res: { status: number; text: string }): LabError {
  return new LabError("ApiError", `${method} ${path} answered ${res.status}: ${res.text.slice(0, 300)}`);
}
