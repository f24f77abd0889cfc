import type { Logger } from "@isthmus/core/runtime";
import type { ServiceIndex } from "../index/index.js";
import { createResolver } from "../resolver.js";
import { createQueryHandler } from "./handler.js";
import { createHttpServer } from "./http.js";
import { createDnsListeners } from "./listeners.js";
import { createDnsMetrics } from "./metrics.js";

/** Options of `startDnsServer`. */
export interface DnsServerOptions {
  readonly index: ServiceIndex;
  readonly logger: Logger;
  /** The zone, e.g. `defaults.dnsZone`. */
  readonly zone: string;
  readonly ttlSeconds: number;
  /** DNS address and port (UDP and TCP); port 0 picks one. */
  readonly host: string;
  readonly port: number;
  /** HTTP (metrics, health) address and port; port 0 picks one. */
  readonly httpHost: string;
  readonly httpPort: number;
  /** Readiness for `/readyz` (e.g. the informers have synced). */
  readonly ready: () => boolean;
  /** Idle TCP connection timeout; default 10 s. */
  readonly tcpIdleTimeoutMs?: number;
  /** Most concurrent TCP connections; default 1024. */
  readonly maxTcpConnections?: number;
}

/** A running DNS server. */
export interface DnsServer {
  /** The DNS port (UDP and TCP). */
  readonly port: number;
  /** The HTTP port. */
  readonly httpPort: number;
  /** Stops the listeners (DNS first, then HTTP); idempotent. */
  close(): Promise<void>;
}

/** Starts the DNS listeners and the metrics endpoint over `options.index`. */
export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const logger = options.logger.child({ component: "dns-server" });
  const metrics = createDnsMetrics();
  const resolver = createResolver({ index: options.index, zone: options.zone, ttlSeconds: options.ttlSeconds });
  const handler = createQueryHandler({ resolver, metrics, logger });
  const dns = await createDnsListeners({
    handler,
    logger,
    host: options.host,
    port: options.port,
    idleTimeoutMs: options.tcpIdleTimeoutMs ?? 10_000,
    maxConnections: options.maxTcpConnections ?? 1024,
  });
  try {
    const http = await createHttpServer({
      host: options.httpHost,
      port: options.httpPort,
      metrics: () => metrics.render(options.index.size()),
      ready: options.ready,
    });
    logger.info({ port: dns.port, httpPort: http.port, zone: options.zone }, "DNS server listening");
    return {
      port: dns.port,
      httpPort: http.port,
      close: async () => {
        await dns.close();
        await http.close();
      },
    };
  } catch (err) {
    await dns.close();
    throw err;
  }
}
