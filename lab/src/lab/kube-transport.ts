/**
 * The transport under the lab's Kubernetes client: the TLS material of a lab kubeconfig and one
 * HTTPS round trip. It imports nothing of Isthmus, so the small long-running helper processes
 * (the Corefile sync) stay small.
 */
import { request } from "node:https";
import { readFile } from "node:fs/promises";

/** Server URL and client TLS material of a kubeconfig. */
export interface KubeTarget {
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** One HTTP answer. */
export interface KubeAnswer {
  readonly status: number;
  readonly text: string;
}

interface KubeconfigFile {
  readonly clusters?: readonly { readonly cluster: { readonly server: string; readonly "certificate-authority-data": string } }[];
  readonly users?: readonly { readonly user: { readonly "client-certificate-data": string; readonly "client-key-data": string } }[];
}

/** Reads a lab kubeconfig (JSON with embedded data); throws when it lacks a cluster or user. */
export async function readKubeTarget(path: string): Promise<KubeTarget> {
  const config = JSON.parse(await readFile(path, "utf8")) as KubeconfigFile;
  const cluster = config.clusters?.[0]?.cluster;
  const user = config.users?.[0]?.user;
  if (cluster === undefined || user === undefined) throw new Error(`Kubeconfig ${path} has no cluster or user`);
  const decode = (b64: string): string => Buffer.from(b64, "base64").toString();
  return {
    server: cluster.server,
    ca: decode(cluster["certificate-authority-data"]),
    cert: decode(user["client-certificate-data"]),
    key: decode(user["client-key-data"]),
  };
}

/** Sends one request with a JSON body (if any); rejects on network errors and after `timeoutMs`. */
export function kubeRoundTrip(
  target: KubeTarget,
  options: { readonly method: string; readonly path: string; readonly body?: unknown; readonly timeoutMs: number },
): Promise<KubeAnswer> {
  const { method, path, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      new URL(path, target.server),
      {
        method,
        ca: target.ca,
        cert: target.cert,
        key: target.key,
        timeout: timeoutMs,
        headers: { accept: "application/json", ...(payload === undefined ? {} : { "content-type": "application/json" }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}
