// Prometheus text exposition (format 0.0.4), hand-written: a few counters, gauges and
// histograms are all the broker needs, and a dependency would be larger than this file.

type Labels = Readonly<Record<string, string>>;

const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** The broker's metrics: calls, publishes, store latency; gauges are read at scrape time. */
export interface BrokerMetrics {
  /** Counts one finished RPC and its latency. */
  observeCall(method: string, code: number, seconds: number): void;
  /** Counts one committed publish of `kind`. */
  countPublish(kind: string): void;
  /** Observes one store transaction's latency. */
  observeStore(operation: string, seconds: number): void;
  /** Renders every metric; `gauges` are sampled now (connected agents, watch streams, revision...). */
  render(gauges: Readonly<Record<string, { readonly help: string; readonly value: number }>>): string;
}

/** Creates an empty metrics registry. */
export function createBrokerMetrics(): BrokerMetrics {
  const calls = new Map<string, number>();
  const publishes = new Map<string, number>();
  const callLatency = new Map<string, Histogram>();
  const storeLatency = new Map<string, Histogram>();
  const observe = (map: Map<string, Histogram>, key: string, seconds: number): void => {
    let h = map.get(key);
    if (h === undefined) {
      h = { counts: latencyBuckets.map(() => 0), sum: 0, count: 0 };
      map.set(key, h);
    }
    latencyBuckets.forEach((b, i) => {
      if (seconds <= b && h.counts[i] !== undefined) h.counts[i] += 1;
    });
    h.sum += seconds;
    h.count += 1;
  };
  const renderHistogram = (name: string, help: string, label: string, map: Map<string, Histogram>): string[] => {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    for (const [key, h] of map) {
      latencyBuckets.forEach((b, i) => lines.push(`${name}_bucket${labelText({ [label]: key, le: String(b) })} ${h.counts[i] ?? 0}`));
      lines.push(`${name}_bucket${labelText({ [label]: key, le: "+Inf" })} ${h.count}`);
      lines.push(`${name}_sum${labelText({ [label]: key })} ${h.sum}`, `${name}_count${labelText({ [label]: key })} ${h.count}`);
    }
    return lines;
  };
  return {
    observeCall(method, code, seconds) {
      const key = `${method}\u0000${code}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      observe(callLatency, method, seconds);
    },
    countPublish(kind) {
      publishes.set(kind, (publishes.get(kind) ?? 0) + 1);
    },
    observeStore(operation, seconds) {
      observe(storeLatency, operation, seconds);
    },
    render(gauges) {
      const lines: string[] = [];
      for (const [name, g] of Object.entries(gauges)) lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.value}`);
      lines.push("# HELP isthmus_broker_rpc_total Finished RPCs by method and gRPC status code.", "# TYPE isthmus_broker_rpc_total counter");
      for (const [key, n] of calls) {
        const [method = "", code = ""] = key.split("\u0000");
        lines.push(`isthmus_broker_rpc_total${labelText({ method, code })} ${n}`);
      }
      lines.push("# HELP isthmus_broker_publish_total Committed publishes by kind.", "# TYPE isthmus_broker_publish_total counter");
      for (const [kind, n] of publishes) lines.push(`isthmus_broker_publish_total${labelText({ kind })} ${n}`);
      lines.push(...renderHistogram("isthmus_broker_rpc_duration_seconds", "RPC latency by method.", "method", callLatency));
      lines.push(...renderHistogram("isthmus_broker_store_duration_seconds", "Store transaction latency by operation.", "operation", storeLatency));
      return `${lines.join("\n")}\n`;
    },
  };
}
