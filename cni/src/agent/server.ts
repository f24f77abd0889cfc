import { chmod, mkdir, rm } from "node:fs/promises";
import { type Server, createServer } from "node:net";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { type CniBackend, handleCniInvocation } from "../plugin/dispatch.js";
import { CniError, toCniErrorObject } from "../plugin/errors.js";
import { latestVersion } from "../plugin/versions.js";
import { formatWireResponse, parseWireRequest } from "../plugin/wire.js";

/** The agent's CNI endpoint: serves launcher requests on a root-only unix socket. */
export interface CniServer {
  /** Removes a stale socket, listens, and restricts the socket to root. */
  start(): Promise<void>;
  /** Stops accepting, waits for requests in flight, removes the socket; idempotent. */
  stop(): Promise<void>;
}

/** Largest request accepted (a conflist with a prevResult is a few KiB). */
const maxRequestBytes = 1024 * 1024;

/** Creates the server; every request is answered, errors as CNI error objects. */
export function createCniServer(options: { readonly socketPath: string; readonly backend: CniBackend; readonly logger: Logger }): CniServer {
  const { socketPath, backend, logger } = options;
  let server: Server | undefined;

  async function answer(raw: string): Promise<string> {
    try {
      const request = parseWireRequest(raw);
      const started = performance.now();
      const outcome = await handleCniInvocation(request.env, request.stdin, backend);
      logger.info({ command: request.env.CNI_COMMAND, containerId: request.env.CNI_CONTAINERID, exitCode: outcome.exitCode, ms: Math.round(performance.now() - started) }, "cni request");
      if (outcome.exitCode !== 0) logger.warn({ error: outcome.stdout }, "cni request failed");
      return formatWireResponse(outcome.exitCode, outcome.stdout);
    } catch (err) {
      return formatWireResponse(1, JSON.stringify(toCniErrorObject(err, latestVersion)));
    }
  }

  return {
    start: async () => {
      await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
      await rm(socketPath, { force: true });
      const srv = createServer({ allowHalfOpen: true }, (socket) => {
        const chunks: Buffer[] = [];
        let size = 0;
        socket.on("data", (b: Buffer) => {
          size += b.length;
          if (size > maxRequestBytes) {
            socket.end(formatWireResponse(1, JSON.stringify(toCniErrorObject(new CniError("DecodingFailure", "Request larger than 1 MiB"), latestVersion))));
            return;
          }
          chunks.push(b);
        });
        socket.on("end", () => {
          if (size > maxRequestBytes) return;
          void answer(Buffer.concat(chunks).toString("utf8")).then((response) => socket.end(response));
        });
        socket.on("error", (err) => {
          logger.warn({ err }, "cni client connection failed; the launcher reports its own error");
        });
      });
      await new Promise<void>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(socketPath, () => {
          srv.off("error", reject);
          resolve();
        });
      });
      await chmod(socketPath, 0o600);
      server = srv;
    },
    stop: async () => {
      const srv = server;
      server = undefined;
      if (srv === undefined) return;
      await new Promise<void>((resolve) => srv.close(() => { resolve(); }));
      await rm(socketPath, { force: true });
    },
  };
}
