import * as grpc from "@grpc/grpc-js";
import { adminServiceDefinition, agentServiceDefinition } from "@isthmus/core/brokerapi";
import { parseCidr } from "@isthmus/core/net";
import { createAdminService } from "./admin-service.js";
import { createAgentService } from "./agent-service.js";
import { loadBrokerPki, type BrokerPki } from "./broker-pki.js";
import { createCatalog } from "./catalog.js";
import { createDashboardModel } from "./dashboard/model.js";
import { createDashboardServer } from "./dashboard/server.js";
import type { BrokerConfig } from "./config.js";
import type { BrokerContext } from "./context.js";
import { guardServiceDefinition } from "./grpc-util.js";
import { createBrokerHttpServer } from "./http.js";
import type { Logger } from "./logger.js";
import { createBrokerMetrics } from "./metrics.js";
import type { Store } from "./store/store.js";
import { createJoinLimiter } from "./join-limiter.js";
import { createWatchHub } from "./watch-hub.js";

/** A running broker. */
export interface Broker {
  /** The bound gRPC port (useful with port 0). */
  readonly grpcPort: number;
  /** The bound HTTP port. */
  readonly httpPort: number;
  /** The bound dashboard (HTTPS) port; undefined when the dashboard is off. */
  readonly dashboardPort: number | undefined;
  /** The broker's certificates (the CA clients must trust). */
  readonly pki: BrokerPki;
  /**
   * Stops: readiness goes false, watch streams are ended (agents reconnect elsewhere), calls in
   * flight get `graceMs` to finish, then the rest are cancelled. Does not close the store.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Version reported by GetBrokerInfo. */
export const brokerVersion = "0.1.0";

/** Starts the broker's gRPC and HTTP servers over an open store. */
export async function startBroker(config: BrokerConfig, deps: { readonly store: Store; readonly logger: Logger }): Promise<Broker> {
  const { store, logger } = deps;
  const pki = await loadBrokerPki({
    store,
    dataDir: config.dataDir,
    dnsNames: config.tlsDnsNames,
    ipAddresses: config.tlsIpAddresses,
    clientCertDays: config.clientCertDays,
    logger: logger.child({ component: "pki" }),
  });
  const revokedSet = await store.revokedSerials();
  const metrics = createBrokerMetrics();
  const hub = createWatchHub({
    store,
    logger: logger.child({ component: "watch" }),
    heartbeatMs: config.heartbeatSeconds * 1000,
    maxQueued: config.watchQueue,
  });
  const globalRange = { pool: parseCidr(config.globalCidrPool), prefix: config.globalCidrPrefix, everyCluster: config.globalnet };
  const ctx: BrokerContext = {
    store,
    catalog: createCatalog({ store, globalRange }),
    hub,
    pki,
    revoked: { has: (s) => revokedSet.has(s), add: (s) => revokedSet.add(s) },
    metrics,
    logger,
    maxRecordsPerPublish: config.maxRecordsPerPublish,
    maxExportsPerCluster: config.maxExportsPerCluster,
    joinLimiter: createJoinLimiter({ maxFailures: config.joinFailuresPerMinute, windowMs: 60_000 }),
    globalPool: globalRange.pool.toString(),
    startedAt: new Date(),
    version: brokerVersion,
    streams: new Map(),
  };

  const server = new grpc.Server({
    "grpc.max_receive_message_length": config.maxMessageBytes * 4,
    "grpc.max_send_message_length": 64 * 1024 * 1024,
    "grpc.keepalive_time_ms": 10_000,
    "grpc.keepalive_timeout_ms": 5_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 5_000,
  });
  server.addService(guardServiceDefinition(agentServiceDefinition, config.maxMessageBytes), createAgentService(ctx));
  server.addService(guardServiceDefinition(adminServiceDefinition, config.maxMessageBytes), createAdminService(ctx));
  const grpcPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(hostPort(config.listen, config.grpcPort), pki.serverCredentials(), (err, port) => {
      if (err) reject(err);
      else resolve(port);
    });
  });
  // Revocations by any replica (etcd) reach this one through the store's feed at once: the
  // serial is refused from then on and the subject's open watch streams end. The periodic reread
  // below repairs what a broken feed missed.
  const stopRevocationFeed = store.onRevoked(({ serial, subject }) => {
    revokedSet.add(serial);
    for (const end of ctx.streams.get(subject) ?? []) end(`Certificate ${serial} of "${subject}" was revoked`);
  });
  // Other replicas (etcd) revoke certificates too: merge their revocations every few seconds.
  const refreshRevocations = setInterval(() => {
    store.revokedSerials().then(
      (serials) => {
        for (const s of serials) revokedSet.add(s);
      },
      (err: unknown) => {
        logger.warn({ err }, "cannot refresh revoked certificates; keeping the current list");
      },
    );
  }, 5_000);
  refreshRevocations.unref();
  let serving = true;
  const http = createBrokerHttpServer(
    {
      healthy: () => true,
      ready: () => serving && store.ready(),
      metrics: () =>
        metrics.render({
          isthmus_broker_connected_agents: { help: "Distinct clusters with an open watch stream.", value: [...ctx.streams.values()].filter((s) => s.size > 0).length },
          isthmus_broker_watch_streams: { help: "Open watch streams.", value: hub.size() },
          isthmus_broker_watch_resets_total: { help: "Watchers reset to a snapshot because they fell behind.", value: hub.resets() },
          isthmus_broker_revision: { help: "Latest committed revision.", value: store.revision() },
          isthmus_broker_compacted_revision: { help: "Newest compacted revision.", value: store.compactedRevision() },
        }),
    },
    logger.child({ component: "http" }),
  );
  const httpPort = await http.listen(config.listen, config.httpPort);
  const dashboardModel = config.dashboard ? createDashboardModel({ store, logger: logger.child({ component: "dashboard" }) }) : undefined;
  await dashboardModel?.start();
  const dashboard =
    dashboardModel === undefined
      ? undefined
      : await createDashboardServer({ store, pki, revoked: ctx.revoked, model: dashboardModel, logger: logger.child({ component: "dashboard" }) });
  const dashboardPort = await dashboard?.listen(config.listen, config.dashboardPort);
  logger.info({ grpcPort, httpPort, dashboardPort, store: store.name, globalPool: ctx.globalPool }, "broker serving");

  let stopping: Promise<void> | undefined;
  return {
    grpcPort,
    httpPort,
    dashboardPort,
    pki,
    stop(graceMs = config.shutdownGraceSeconds * 1000) {
      stopping ??= (async () => {
        serving = false;
        clearInterval(refreshRevocations);
        stopRevocationFeed();
        hub.closeAll();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            logger.warn({ graceMs }, "calls still running after the grace period; cancelling them");
            server.forceShutdown();
            resolve();
          }, graceMs);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        await http.close();
        await dashboard?.close();
        dashboardModel?.close();
        logger.info("broker stopped");
      })();
      return stopping;
    },
  };
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
