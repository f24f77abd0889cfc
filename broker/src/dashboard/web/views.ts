// Pure derivations from the catalog's records to what each view shows. The broker serves them
// as the JSON API (GET /api/v1/topology, /connections, /services) and the page computes the
// same from the records it follows over the stream, so the two never disagree.
import type { ClusterRecord, ConnectionRecord, DashboardRecords, EndpointRecord } from "./types.js";

/** A cluster's health from its outgoing and incoming connections. */
export type ClusterHealth = "healthy" | "degraded" | "down" | "unknown";

/** A cluster in the topology view. */
export interface TopologyCluster extends ClusterRecord {
  readonly gateways: readonly EndpointRecord[];
  /** Hostname of the active gateway, if one is published. */
  readonly activeGateway: string | undefined;
  readonly health: ClusterHealth;
  /** Links touching this cluster by state. */
  readonly counts: { readonly connected: number; readonly connecting: number; readonly error: number };
}

/** An undirected link between two clusters, the worse of both directions. */
export interface TopologyLink {
  readonly a: string;
  readonly b: string;
  readonly status: ConnectionRecord["status"];
  /** Mean RTT of the reported directions, ms. */
  readonly rttMs: number;
  /** Cable driver of the active gateways (e.g. "wireguard"), or "" when unknown. */
  readonly driver: string;
  readonly reason: string | undefined;
}

/** The topology view. */
export interface TopologyView {
  readonly clusters: readonly TopologyCluster[];
  readonly links: readonly TopologyLink[];
}

/** One cell of the connection matrix (one direction). */
export interface MatrixCell {
  readonly from: string;
  readonly to: string;
  readonly status: ConnectionRecord["status"];
  readonly reason: string | undefined;
  readonly rttAvgMs: number;
  readonly rttMaxMs: number;
  readonly lossRatio: number | undefined;
  /** When the state last changed (the model carries no handshake time). */
  readonly since: string;
}

/** The connection matrix view. */
export interface MatrixView {
  readonly clusterIds: readonly string[];
  readonly cells: readonly MatrixCell[];
}

/** A service in the services view: every cluster exporting ns/name. */
export interface ServiceView {
  readonly namespace: string;
  readonly name: string;
  /** The clusterset DNS name. */
  readonly dnsName: string;
  readonly type: "ClusterSetIP" | "Headless";
  readonly ports: readonly string[];
  /** Per exporting cluster; `ready`/`endpoints` count a Headless export's endpoints (undefined for ClusterSetIP). */
  readonly clusters: readonly {
    readonly clusterId: string;
    readonly clusterIp: string | undefined;
    readonly ready: number | undefined;
    readonly endpoints: number | undefined;
  }[];
  /** Why the exports conflict (MCS: the oldest export wins), or undefined. */
  readonly conflict: string | undefined;
}

const severity = { connected: 0, connecting: 1, error: 2 } as const;

const collator = new Intl.Collator("en", { numeric: true });

/** Orders ids naturally (c2 before c10). One collator: `localeCompare` with options builds one per call. */
export function compareIds(a: string, b: string): number {
  return collator.compare(a, b);
}

/** The topology: clusters (sorted by id) with gateways and health, and undirected links. */
export function topologyView(records: DashboardRecords): TopologyView {
  const gateways = new Map<string, EndpointRecord[]>();
  for (const e of records.endpoint.values()) gateways.set(e.clusterId, [...(gateways.get(e.clusterId) ?? []), e]);
  const pairs = new Map<string, ConnectionRecord[]>();
  const counts = new Map<string, { connected: number; connecting: number; error: number }>();
  for (const c of records.connection.values()) {
    const key = compareIds(c.fromCluster, c.toCluster) < 0 ? `${c.fromCluster}\n${c.toCluster}` : `${c.toCluster}\n${c.fromCluster}`;
    pairs.set(key, [...(pairs.get(key) ?? []), c]);
  }
  const activeDriver = (id: string): string => (gateways.get(id) ?? []).find((g) => g.role === "active")?.cableDriver ?? "";
  const links = [...pairs.entries()]
    .filter(([key]) => {
      const [a = "", b = ""] = key.split("\n");
      return records.cluster.has(a) && records.cluster.has(b);
    })
    .map(([key, list]): TopologyLink => {
      const [a = "", b = ""] = key.split("\n");
      const worst = list.reduce((w, c) => (severity[c.status] > severity[w.status] ? c : w));
      return { a, b, status: worst.status, rttMs: list.reduce((s, c) => s + c.rtt.avgMs, 0) / list.length, driver: activeDriver(a) || activeDriver(b), reason: worst.reason };
    })
    .sort((x, y) => (x.a === y.a ? compareIds(x.b, y.b) : compareIds(x.a, y.a)));
  for (const l of links) {
    for (const id of [l.a, l.b]) {
      const n = counts.get(id) ?? { connected: 0, connecting: 0, error: 0 };
      n[l.status]++;
      counts.set(id, n);
    }
  }
  const clusters = [...records.cluster.values()]
    .sort((x, y) => compareIds(x.id, y.id))
    .map((c): TopologyCluster => {
      const gws = (gateways.get(c.id) ?? []).slice().sort((x, y) => x.hostname.localeCompare(y.hostname));
      const n = counts.get(c.id) ?? { connected: 0, connecting: 0, error: 0 };
      const total = n.connected + n.connecting + n.error;
      const health: ClusterHealth = total === 0 ? "unknown" : n.error === total ? "down" : n.connected === total ? "healthy" : "degraded";
      return { ...c, gateways: gws, activeGateway: gws.find((g) => g.role === "active")?.hostname, health, counts: n };
    });
  return { clusters, links };
}

/** The connection matrix: every reported direction, one cell per (from, to) (the active gateway's when several report). */
export function matrixView(records: DashboardRecords): MatrixView {
  const active = new Map<string, string>();
  for (const e of records.endpoint.values()) if (e.role === "active") active.set(e.clusterId, e.hostname);
  const cells = new Map<string, MatrixCell>();
  for (const c of records.connection.values()) {
    const key = `${c.fromCluster}\n${c.toCluster}`;
    if (cells.has(key) && active.get(c.fromCluster) !== c.fromGateway) continue;
    cells.set(key, {
      from: c.fromCluster,
      to: c.toCluster,
      status: c.status,
      reason: c.reason,
      rttAvgMs: c.rtt.avgMs,
      rttMaxMs: c.rtt.maxMs,
      lossRatio: c.lossRatio,
      since: c.lastChange,
    });
  }
  return {
    clusterIds: [...records.cluster.keys()].sort(compareIds),
    cells: [...cells.values()].sort((x, y) => (x.from === y.from ? compareIds(x.to, y.to) : compareIds(x.from, y.from))),
  };
}

/** The services: exports grouped by namespace/name, conflicts named (oldest export wins, as in MCS). */
export function servicesView(records: DashboardRecords): ServiceView[] {
  const groups = new Map<string, ReturnType<DashboardRecords["export"]["get"]>[]>();
  for (const e of records.export.values()) {
    const key = `${e.namespace}/${e.name}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, list]): ServiceView => {
      const exports = list.flatMap((e) => (e === undefined ? [] : [e])).sort((x, y) => x.createdAt.localeCompare(y.createdAt) || compareIds(x.clusterId, y.clusterId));
      const oldest = exports[0];
      if (oldest === undefined) throw new Error("a service group is never empty");
      const conflicts: string[] = [];
      const typeClash = exports.find((e) => e.type !== oldest.type);
      if (typeClash !== undefined) conflicts.push(`type: ${typeClash.clusterId} exports ${typeClash.type}, ${oldest.clusterId} (oldest) ${oldest.type}`);
      const ports = new Map<string, string>();
      for (const e of exports) {
        for (const p of e.ports) {
          const id = p.name ?? "";
          const text = `${p.port}/${p.protocol}`;
          const seen = ports.get(id);
          if (seen === undefined) ports.set(id, text);
          else if (seen !== text) conflicts.push(`port ${id === "" ? "(unnamed)" : `"${id}"`}: ${e.clusterId} has ${text}, oldest has ${seen}`);
        }
      }
      return {
        namespace: oldest.namespace,
        name: oldest.name,
        dnsName: `${oldest.name}.${oldest.namespace}.svc.clusterset.local`,
        type: oldest.type,
        ports: [...ports.entries()].map(([n, t]) => (n === "" ? t : `${n} ${t}`)),
        clusters: exports.map((e) => ({
          clusterId: e.clusterId,
          clusterIp: e.clusterIp,
          ready: e.endpoints?.filter((x) => x.ready).length,
          endpoints: e.endpoints?.length,
        })),
        conflict: conflicts.length === 0 ? undefined : conflicts.join("; "),
      };
    });
}

/** Applies one change to mutable record maps (used by the page and by the broker's model). */
export function applyChange(
  records: { readonly [K in keyof DashboardRecords]: Map<string, DashboardRecords[K] extends ReadonlyMap<string, infer V> ? V : never> },
  change: { readonly type: "put" | "delete"; readonly kind: keyof DashboardRecords; readonly key: string; readonly value: unknown },
): void {
  const map = records[change.kind] as Map<string, unknown>;
  if (change.type === "delete") map.delete(change.key);
  else map.set(change.key, change.value);
}
