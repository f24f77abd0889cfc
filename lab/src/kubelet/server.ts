/**
 * The kubelet's HTTPS endpoint, enough for `kubectl logs` (the API server proxies
 * `pods/log` to `https://<node InternalIP>:<port>/containerLogs/<ns>/<pod>/<container>`):
 * GET /containerLogs with `tailLines` and `follow`, and GET /healthz. Clients must present a
 * certificate of the cluster CA (the API server's `--kubelet-client-certificate`); the serving
 * certificate is self-signed at start (the API server does not verify it unless it is given
 * `--kubelet-certificate-authority`). No exec, attach or port-forward.
 */
import { open, stat } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { createCa, issueCertificate } from "@isthmus/core/pki";
import { type Component } from "@isthmus/core/runtime";
import { podDir } from "./pod-state.js";

/** Options of {@link createKubeletServer}. */
export interface KubeletServerOptions {
  readonly address: string;
  readonly port: number;
  readonly stateDir: string;
  /** PEM of the CA whose client certificates are accepted (the cluster CA). */
  readonly clientCaPem: string;
  readonly logger: Logger;
  /** Poll period of `follow=true`; default 250 ms. */
  readonly followPollMs?: number;
}

const name = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** The log file of `/containerLogs/<ns>/<pod>/<container>`, or undefined for any other path. */
export function logPathOf(stateDir: string, path: string): string | undefined {
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  const [, ns, pod, container] = match ?? [];
  if (ns === undefined || pod === undefined || container === undefined) return undefined;
  if (![ns, pod, container].every((part) => name.test(part))) return undefined;
  return `${podDir(stateDir, ns, pod)}/${container}.log`;
}

/** The last `n` lines of `text` (all of it when n is undefined). */
export function tailLines(text: string, n: number | undefined): string {
  if (n === undefined) return text;
  const lines = text.split("\n");
  const trailing = lines.at(-1) === "" ? lines.pop() : undefined;
  return [...lines.slice(Math.max(0, lines.length - n)), ...(trailing === undefined ? [] : [""])].join("\n");
}

async function serveLog(file: string, req: IncomingMessage, res: ServerResponse, options: { url: URL; pollMs: number }): Promise<void> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("container log not found\n");
    return;
  }
  try {
    const tail = options.url.searchParams.get("tailLines");
    const text = (await handle.readFile()).toString("utf8");
    res.writeHead(200, { "content-type": "text/plain" });
    res.write(tailLines(text, tail === null ? undefined : Math.max(0, Number(tail) || 0)));
    let offset = Buffer.byteLength(text);
    if (options.url.searchParams.get("follow") !== "true") return;
    const client = { connected: true };
    req.once("close", () => { client.connected = false; });
    while (client.connected) {
      await new Promise((r) => setTimeout(r, options.pollMs));
      const size = (await stat(file).catch(() => ({ size: offset }))).size;
      if (size <= offset) continue;
      const chunk = Buffer.alloc(size - offset);
      await handle.read(chunk, 0, chunk.length, offset);
      offset = size;
      res.write(chunk);
    }
  } finally {
    res.end();
    await handle.close();
  }
}

/** The kubelet's HTTPS server as a lifecycle component. */
export function createKubeletServer(options: KubeletServerOptions): Component {
  let server: Server | undefined;
  return {
    name: "kubelet-server",
    async start(): Promise<void> {
      const ca = await createCa({ commonName: "isthmus-lab-kubelet-serving", validityDays: 365 });
      const serving = await issueCertificate({ ca, commonName: options.address, ipAddresses: [options.address], usages: "server", validityDays: 365 });
      const pollMs = options.followPollMs ?? 250;
      server = createServer(
        { cert: serving.certPem, key: serving.keyPem, ca: options.clientCaPem, requestCert: true, rejectUnauthorized: true },
        (req, res) => {
          const url = new URL(req.url ?? "/", "https://kubelet");
          if (req.method === "GET" && url.pathname === "/healthz") {
            res.writeHead(200, { "content-type": "text/plain" }).end("ok");
            return;
          }
          const file = req.method === "GET" ? logPathOf(options.stateDir, url.pathname) : undefined;
          if (file === undefined) {
            res.writeHead(404, { "content-type": "text/plain" }).end("the lab kubelet serves only /containerLogs and /healthz\n");
            return;
          }
          serveLog(file, req, res, { url, pollMs }).catch((err: unknown) => {
            options.logger.warn({ err, path: url.pathname }, "serving a container log failed; the client sees a cut stream");
            res.destroy();
          });
        },
      );
      server.listen(options.port, options.address);
      await once(server, "listening");
      options.logger.info({ address: options.address, port: options.port }, "kubelet server listening");
    },
    async stop(): Promise<void> {
      if (server === undefined) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => { resolve(); }));
    },
  };
}
