/**
 * Server-side apply as raw JSON. client-node's typed serializer drops fields whose JSON name
 * differs from its model's (e.g. `x-kubernetes-preserve-unknown-fields` in a CRD schema), so
 * manifests loaded from YAML are sent as they are: PATCH with `application/apply-patch+yaml`
 * (JSON is YAML) to the URL found through API discovery.
 */
import { request } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { CliError } from "../command.js";

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** A raw apiserver client for one kubeconfig. */
export interface RawApi {
  /** Sends one request; resolves with the HTTP status and the parsed JSON body. */
  send(method: string, path: string, options?: { body?: unknown; contentType?: string }): Promise<{ status: number; body: unknown; date: string | undefined }>;
  /** The REST path of an object (`/apis/<group>/<version>/[namespaces/<ns>/]<plural>/<name>`). */
  objectPath(obj: { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string } }): Promise<string>;
}

/** Creates a raw client. */
export function createRawApi(config: KubeConfig): RawApi {
  const discovery = new Map<string, Promise<ApiResource[]>>();
  const send: RawApi["send"] = async (method, path, options = {}) => {
    const server = config.getCurrentCluster()?.server;
    if (server === undefined) throw new CliError("Failed", "The kubeconfig has no current cluster");
    const url = new URL(path, server);
    const headers: Record<string, string> = { Accept: "application/json" };
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    const opts: { method: string; headers: Record<string, string> } = { method, headers };
    await config.applyToHTTPSOptions(opts);
    return new Promise((resolve, reject) => {
      const req = request(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON (a proxy's error page): keep the text for the message.
          }
          resolve({ status: res.statusCode ?? 0, body, date: res.headers.date });
        });
      });
      req.on("error", reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.end(payload);
    });
  };
  const resources = (apiVersion: string): Promise<ApiResource[]> => {
    let found = discovery.get(apiVersion);
    if (found === undefined) {
      found = send("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`).then(({ status, body }) => {
        if (status !== 200) throw new CliError("Failed", `The apiserver does not serve ${apiVersion} (HTTP ${status}): is its CRD installed?`);
        return ((body as { resources?: ApiResource[] }).resources ?? []).filter((r) => !r.name.includes("/"));
      });
      discovery.set(apiVersion, found);
      found.catch(() => discovery.delete(apiVersion));
    }
    return found;
  };
  return {
    send,
    async objectPath(obj) {
      const resource = (await resources(obj.apiVersion)).find((r) => r.kind === obj.kind);
      if (resource === undefined) throw new CliError("Failed", `The apiserver has no kind ${obj.kind} in ${obj.apiVersion}`);
      const base = obj.apiVersion.includes("/") ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
      const ns = resource.namespaced ? `/namespaces/${obj.metadata?.namespace ?? "default"}` : "";
      return `${base}${ns}/${resource.name}/${obj.metadata?.name ?? ""}`;
    },
  };
}
