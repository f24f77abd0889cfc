import type { BrokerClient } from "@isthmus/core/brokerapi";
import type { ConnectionStatus, ServiceExport } from "@isthmus/core/model";
import type { TestBroker } from "./harness.js";
import { connectionOf, endpointOf, exportOf, specOf } from "./records.js";

/** Simulated member clusters of a test broker: each joined over the real gRPC API, as an agent does. */
export interface SimulatedClusterset {
  /** The cluster ids, `<prefix><i>`, in order. */
  readonly ids: readonly string[];
  /** Sets the status `from` reports for its tunnel to `to` (republishes `from`'s whole set, as a gateway does). */
  setConnection(from: string, to: string, status: ConnectionStatus["status"], reason?: string): Promise<void>;
  /** Adds an export of `namespace/name` to `clusterId`'s set (republished whole, as isthmus-dns does). */
  exportService(clusterId: string, namespace: string, name: string): Promise<void>;
}

/**
 * Joins `count` clusters (ids `c1`…, or `<prefix>1`…), publishes each one's CIDRs, one active
 * gateway and a full mesh of connected statuses with RTTs between 1 and 11 ms.
 */
export async function simulateClusterset(tb: TestBroker, count: number, options: { readonly prefix?: string } = {}): Promise<SimulatedClusterset> {
  const prefix = options.prefix ?? "c";
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
  const clients = new Map<string, BrokerClient>();
  const connections = new Map<string, Map<string, ConnectionStatus>>();
  const exports = new Map<string, ServiceExport[]>();
  const rtt = (i: number, j: number): number => 1 + ((i * 7 + j * 13) % 41) / 4;
  for (let start = 0; start < count; start += 10) {
    await Promise.all(
      ids.slice(start, start + 10).map(async (id, k) => {
        const i = start + k;
        const client = tb.client(await tb.join(id));
        clients.set(id, client);
        await client.publish({ kind: "cluster", spec: specOf(i + 1) });
        await client.publish({ kind: "endpoint", records: [endpointOf(id, `${id}-gw-1`, (i % 250) + 1)] });
        const mine = new Map<string, ConnectionStatus>();
        ids.forEach((to, j) => {
          if (to === id) return;
          const ms = rtt(i, j);
          mine.set(to, { ...connectionOf(id, to), fromGateway: `${id}-gw-1`, rtt: { lastMs: ms, minMs: ms * 0.8, avgMs: ms, maxMs: ms * 1.5, stddevMs: 0.2 }, lossRatio: 0 });
        });
        connections.set(id, mine);
        await client.publish({ kind: "connection", records: [...mine.values()] });
      }),
    );
  }
  const clientOf = (id: string): BrokerClient => {
    const c = clients.get(id);
    if (c === undefined) throw new Error(`no simulated cluster "${id}"`);
    return c;
  };
  return {
    ids,
    async setConnection(from, to, status, reason) {
      const mine = connections.get(from);
      const old = mine?.get(to);
      if (mine === undefined || old === undefined) throw new Error(`no connection ${from} → ${to}`);
      const next: ConnectionStatus = { ...old, status, lastChange: new Date().toISOString() };
      if (reason === undefined) delete (next as { reason?: string }).reason;
      else (next as { reason?: string }).reason = reason;
      mine.set(to, next);
      await clientOf(from).publish({ kind: "connection", records: [...mine.values()] });
    },
    async exportService(clusterId, namespace, name) {
      const list = [...(exports.get(clusterId) ?? []), exportOf(clusterId, name, namespace)];
      exports.set(clusterId, list);
      await clientOf(clusterId).publish({ kind: "export", records: list });
    },
  };
}
