import { readdir, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { errorMessage } from "@isthmus/core/errors";
import type { BrokerPki } from "../broker-pki.js";
import { closeServer, listenOn } from "../http.js";
import type { RevocationList } from "../identity.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import { acceptsGzip, handleApi, type DashboardApiDeps } from "./api.js";
import type { DashboardModel } from "./model.js";
import { dashboardCss, dashboardHtml } from "./page.js";
import { createSessionKeeper } from "./sessions.js";
import type { DashboardStream } from "./stream.js";

/** The dashboard's HTTPS server (docs/adr/0204-broker-dashboard.md). */
export interface DashboardServer {
  /** Listens; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Ends the streams, stops accepting, closes idle connections. Idempotent. */
  close(): Promise<void>;
}

/** One static file, kept in memory with its gzip form. */
interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
}

const headers = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000",
};

/** The compiled page scripts: next to this module when built, in dist when run from source (tests); undefined when not built. */
async function loadScripts(): Promise<Map<string, Buffer> | undefined> {
  for (const dir of ["./web/", "../../dist/dashboard/web/"]) {
    const url = new URL(dir, import.meta.url);
    try {
      const files = (await readdir(url)).filter((f) => f.endsWith(".js"));
      if (!files.includes("app.js")) continue;
      return new Map(await Promise.all(files.map(async (f) => [f, await readFile(new URL(f, url))] as const)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return undefined;
}

/** Creates the dashboard server: TLS with the broker's serving certificate, client certificates requested (admin), not required. */
export async function createDashboardServer(deps: {
  readonly store: Store;
  readonly pki: BrokerPki;
  readonly revoked: RevocationList;
  readonly model: DashboardModel;
  readonly logger: Logger;
}): Promise<DashboardServer> {
  const assets = new Map<string, Asset>();
  const add = (path: string, type: string, body: Buffer): void => {
    assets.set(path, { type, body, gzip: gzipSync(body, { level: 9 }) });
  };
  add("/", "text/html; charset=utf-8", Buffer.from(dashboardHtml));
  add("/assets/style.css", "text/css; charset=utf-8", Buffer.from(dashboardCss));
  const scripts = await loadScripts();
  if (scripts === undefined) {
    // The API still works; only the page cannot run. Safe to continue: nothing else depends on it.
    deps.logger.warn({ module: fileURLToPath(import.meta.url) }, "the dashboard's scripts are not built (tsc -b broker); the page will not load");
  }
  for (const [name, body] of scripts ?? []) add(`/assets/${name}`, "text/javascript; charset=utf-8", body);

  const streams = new Set<DashboardStream>();
  const api: DashboardApiDeps = {
    store: deps.store,
    model: deps.model,
    sessions: await createSessionKeeper(deps.store),
    revoked: deps.revoked,
    logger: deps.logger,
    streams,
  };
  const serveAsset = (req: IncomingMessage, res: ServerResponse, asset: Asset): void => {
    const zip = acceptsGzip(req);
    res.writeHead(200, {
      ...headers,
      "content-type": asset.type,
      "cache-control": "no-cache",
      vary: "accept-encoding",
      ...(zip ? { "content-encoding": "gzip" } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : zip ? asset.gzip : asset.body);
  };
  const server: Server = createServer(
    {
      key: deps.pki.serving.keyPem,
      cert: deps.pki.serving.certPem,
      ca: deps.pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
    },
    (req, res) => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      if (path.startsWith("/api/")) {
        void handleApi(req, res, path, api);
        return;
      }
      if (path === "/favicon.ico") {
        res.writeHead(204);
        res.end();
        return;
      }
      const asset = assets.get(path);
      if (asset !== undefined && (req.method === "GET" || req.method === "HEAD")) serveAsset(req, res, asset);
      else {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("not found\n");
      }
    },
  );
  server.on("tlsClientError", (err) => {
    deps.logger.debug({ err: errorMessage(err) }, "dashboard TLS handshake failed");
  });
  return {
    listen: (host, port) => listenOn(server, host, port),
    close: () => {
      for (const s of streams) s.close();
      return closeServer(server, "all");
    },
  };
}
