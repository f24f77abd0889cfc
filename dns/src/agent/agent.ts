import { createBrokerClient, type BrokerClient } from "@isthmus/core/brokerapi";
import { createKubeClient } from "@isthmus/core/kube";
import { ensureBrokerCredentials, keepBrokerCredentials } from "@isthmus/core/membership";
import { createLifecycle, type Component, type Lifecycle, type Logger } from "@isthmus/core/runtime";
import { createMcsController, type McsController } from "../controller/index.js";
import { createServiceIndex } from "../index/index.js";
import { startDnsServer, type DnsServer } from "../server/index.js";
import { readClusterProperty, resolveClusterId } from "./cluster-id.js";
import type { DnsConfig } from "./config.js";

// isthmus-dns put together: broker credentials and the cluster id from the cluster's Secrets,
// the DNS server over an in-memory index (serving from the start, ready once synced), and the
// MCS controller that fills the index and, when it leads, writes the cluster's objects.

/** A running isthmus-dns. */
export interface DnsAgent {
  readonly clusterId: string;
  readonly controller: McsController;
  /** The DNS port (useful when configured as 0). */
  readonly dnsPort: number;
  readonly httpPort: number;
  /** Rejects when the agent cannot go on (e.g. the broker refused it). */
  readonly failed: Promise<never>;
  /** Stops everything in reverse order; idempotent. */
  stop(): Promise<void>;
}

/** Options of `startDnsAgent` besides the configuration. */
export interface DnsAgentContext {
  readonly logger: Logger;
  /** The process environment for in-cluster Kubernetes access (main.ts passes process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
}

function dnsServerComponent(config: DnsConfig, deps: { index: Parameters<typeof startDnsServer>[0]["index"]; logger: Logger; ready: () => boolean }): Component & { server(): DnsServer | undefined } {
  let server: DnsServer | undefined;
  return {
    name: "dns-server",
    async start() {
      server = await startDnsServer({
        index: deps.index,
        logger: deps.logger,
        zone: config.zone,
        ttlSeconds: config.ttlSeconds,
        host: config.dnsHost,
        port: config.dnsPort,
        httpHost: config.httpHost,
        httpPort: config.httpPort,
        ready: deps.ready,
      });
    },
    stop: () => server?.close() ?? Promise.resolve(),
    server: () => server,
  };
}

/** Starts isthmus-dns; rejects (having released everything) when a part cannot start. */
export async function startDnsAgent(config: DnsConfig, context: DnsAgentContext): Promise<DnsAgent> {
  const { logger } = context;
  const kube = createKubeClient({ ...(config.kubeconfig === undefined ? {} : { kubeconfigPath: config.kubeconfig }), env: context.env });
  const { broker: brokerSecret, connection } = await ensureBrokerCredentials({ core: kube.core, logger, namespace: config.namespace });
  const clusterId = resolveClusterId(brokerSecret.clusterId, await readClusterProperty(kube));
  const log = logger.child({ clusterId });
  const index = createServiceIndex({ zone: config.zone });
  const broker: BrokerClient = createBrokerClient(connection);
  const stopRenewal = keepBrokerCredentials({ core: kube.core, logger: log, namespace: config.namespace, current: connection, onRenewed: (renewed) => {
      broker.useCredentials(renewed);
    },
  });
  const controller = createMcsController({
    clusterId,
    kube,
    broker,
    index,
    logger: log,
    identity: config.identity,
    lease: { namespace: config.namespace, name: config.leaseName },
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs,
    resyncMs: config.resyncMs,
    syncTimeoutMs: config.syncTimeoutMs,
  });
  const dns = dnsServerComponent(config, { index, logger: log, ready: () => controller.ready() });
  const lifecycle: Lifecycle = createLifecycle([dns, controller], { logger: log });
  try {
    await lifecycle.start(context.signal);
  } catch (err) {
    stopRenewal();
    broker.close();
    throw err;
  }
  const server = dns.server();
  let stopping: Promise<void> | undefined;
  return {
    clusterId,
    controller,
    dnsPort: server?.port ?? config.dnsPort,
    httpPort: server?.httpPort ?? config.httpPort,
    failed: controller.failed,
    stop() {
      stopping ??= lifecycle.stop().finally(() => {
        stopRenewal();
        broker.close();
      });
      return stopping;
    },
  };
}
