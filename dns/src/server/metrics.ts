import { rcodeName, rrType, typeName } from "../wire/index.js";

// Counters of the DNS server in Prometheus text format (version 0.0.4). Label values come only
// from small fixed sets (known types, rcodes, two transports), so a client cannot blow up the
// series count with odd query types.

/** Transports the server listens on. */
export type Transport = "udp" | "tcp";

/** One answered query, for `observeQuery`. */
export interface QueryObservation {
  readonly transport: Transport;
  /** The question's type number. */
  readonly type: number;
  readonly rcode: number;
  /** Time from packet in to answer out, in seconds. */
  readonly seconds: number;
}

/** The DNS server's metrics. */
export interface DnsMetrics {
  /** Counts a query by type and rcode and records its latency. */
  observeQuery(observation: QueryObservation): void;
  /** Counts a packet dropped without an answer (too short, a response, unparseable header). */
  observeDropped(transport: Transport): void;
  /** Prometheus text of every series; `indexSize` is the number of services in the index. */
  render(indexSize: number): string;
}

/** Upper bounds of the latency histogram, in seconds. */
export const latencyBuckets: readonly number[] = Object.freeze([0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05]);

const knownTypes = new Set<number>(Object.values(rrType));

/** Creates zeroed metrics. */
export function createDnsMetrics(): DnsMetrics {
  const queries = new Map<string, number>();
  const dropped = new Map<Transport, number>();
  const buckets = latencyBuckets.map(() => 0);
  let count = 0;
  let sum = 0;
  return {
    observeQuery(o) {
      const type = knownTypes.has(o.type) ? typeName(o.type) : "OTHER";
      const key = `transport="${o.transport}",type="${type}",rcode="${rcodeName(o.rcode)}"`;
      queries.set(key, (queries.get(key) ?? 0) + 1);
      for (let i = 0; i < latencyBuckets.length; i++) if (o.seconds <= (latencyBuckets[i] ?? 0)) buckets[i] = (buckets[i] ?? 0) + 1;
      count++;
      sum += o.seconds;
    },
    observeDropped(transport) {
      dropped.set(transport, (dropped.get(transport) ?? 0) + 1);
    },
    render(indexSize) {
      const lines = [
        "# HELP isthmus_dns_queries_total DNS queries answered, by transport, question type and response code.",
        "# TYPE isthmus_dns_queries_total counter",
        ...[...queries].map(([labels, value]) => `isthmus_dns_queries_total{${labels}} ${value}`),
        "# HELP isthmus_dns_dropped_total Packets dropped without an answer.",
        "# TYPE isthmus_dns_dropped_total counter",
        ...[...dropped].map(([transport, value]) => `isthmus_dns_dropped_total{transport="${transport}"} ${value}`),
        "# HELP isthmus_dns_query_duration_seconds Time to answer a query.",
        "# TYPE isthmus_dns_query_duration_seconds histogram",
        ...latencyBuckets.map((le, i) => `isthmus_dns_query_duration_seconds_bucket{le="${le}"} ${buckets[i] ?? 0}`),
        `isthmus_dns_query_duration_seconds_bucket{le="+Inf"} ${count}`,
        `isthmus_dns_query_duration_seconds_sum ${sum}`,
        `isthmus_dns_query_duration_seconds_count ${count}`,
        "# HELP isthmus_dns_index_services Services held in the DNS index.",
        "# TYPE isthmus_dns_index_services gauge",
        `isthmus_dns_index_services ${indexSize}`,
      ];
      return `${lines.join("\n")}\n`;
    },
  };
}
