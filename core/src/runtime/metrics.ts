import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

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

/** Serves `/metrics` (from `collect`, called per scrape) and `/healthz` (from `healthy`). */
export async function startMetricsServer(options: { readonly host: string; readonly port: number; readonly collect: () => Promise<readonly MetricFamily[]>; readonly healthy: () => boolean }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
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
