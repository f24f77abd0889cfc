import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage } from "../errors.js";

// The agents' Prometheus endpoint (gateway, route agent, isthmus-node): text format 0.0.4,
// families computed per scrape. The broker has its own registry of histograms (broker/src/metrics.ts).

/** One sample of a metric family. */
export interface MetricSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family as the Prometheus text format shows it. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter";
  readonly samples: readonly MetricSample[];
}

const escape = (v: string): string => v.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');

/** Renders families in the Prometheus text exposition format 0.0.4. */
export function renderMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {}).map(([k, v]) => `${k}="${escape(v)}"`).join(",");
      lines.push(`${f.name}${labels === "" ? "" : `{${labels}}`} ${Number.isFinite(s.value) ? String(s.value) : "NaN"}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  /** The families of one scrape; called per request. */
  readonly collect: () => Promise<readonly MetricFamily[]>;
  readonly healthy: () => boolean;
  /**
   * Extra JSON endpoints by path (e.g. `/cni-state`), called per GET: 200 with the value as JSON,
   * or 500 with the error's message on one line. The handler bounds its own time.
   */
  readonly json?: Readonly<Record<string, () => Promise<unknown>>>;
}

const oneLine = (err: unknown): string => errorMessage(err).replace(/\s+/g, " ").trim();

/** Serves `/metrics` (from `collect`, called per scrape), `/healthz` (from `healthy`) and the `json` endpoints. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const json = new Map(Object.entries(options.json ?? {}));
  const server: Server = createServer((req, res) => {
    const extra = req.method === "GET" ? json.get(req.url ?? "") : undefined;
    if (extra !== undefined) {
      extra().then(
        (value) => res.writeHead(200, { "content-type": "application/json" }).end(`${JSON.stringify(value)}\n`),
        (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${oneLine(err)}\n`),
      );
      return;
    }
    if (req.url === "/healthz") {
      const ok = options.healthy();
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : "not ready\n");
      return;
    }
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    options.collect().then(
      (families) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(renderMetrics(families)),
      (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => { resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { server.close(() => { resolve(); }); server.closeAllConnections(); }),
  };
}
