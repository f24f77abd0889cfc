import type { CableConnection } from "../cable/driver.js";
import type { PeerView } from "./connections.js";
import type { MetricFamily } from "@isthmus/core/runtime";

/** The gateway's Prometheus metrics: connections by status, RTT, rx/tx bytes and handshake age per peer, role. */
export function gatewayMetrics(input: { views: readonly PeerView[]; cable: readonly CableConnection[]; active: boolean; clusterId: string }): MetricFamily[] {
  const byStatus = new Map<string, number>([["connecting", 0], ["connected", 0], ["error", 0]]);
  for (const v of input.views) {
    const s = v.health?.status ?? "connecting";
    byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
  }
  const peer = (clusterId: string): Record<string, string> => ({ cluster: input.clusterId, remote_cluster: clusterId });
  const now = Date.now();
  return [
    { name: "isthmus_gateway_active", help: "1 when this gateway holds the Lease", type: "gauge", samples: [{ labels: { cluster: input.clusterId }, value: input.active ? 1 : 0 }] },
    { name: "isthmus_gateway_connections", help: "Connections by status", type: "gauge", samples: [...byStatus].map(([status, value]) => ({ labels: { cluster: input.clusterId, status }, value })) },
    {
      name: "isthmus_gateway_rtt_milliseconds", help: "Health-probe RTT per peer (last, avg, min, max)", type: "gauge",
      samples: input.views.flatMap((v) => (v.health?.rtt === undefined ? [] : (["last", "avg", "min", "max"] as const).map((stat) => ({ labels: { ...peer(v.planned.peer.clusterId), stat }, value: v.health?.rtt?.[`${stat}Ms`] ?? 0 })))),
    },
    { name: "isthmus_gateway_probe_loss_ratio", help: "Fraction of probes lost over the window", type: "gauge", samples: input.views.map((v) => ({ labels: peer(v.planned.peer.clusterId), value: v.health?.lossRatio ?? 0 })) },
    { name: "isthmus_gateway_rx_bytes_total", help: "Bytes received from the peer", type: "counter", samples: input.cable.flatMap((c) => (c.rxBytes === undefined ? [] : [{ labels: peer(c.clusterId), value: c.rxBytes }])) },
    { name: "isthmus_gateway_tx_bytes_total", help: "Bytes sent to the peer", type: "counter", samples: input.cable.flatMap((c) => (c.txBytes === undefined ? [] : [{ labels: peer(c.clusterId), value: c.txBytes }])) },
    {
      name: "isthmus_gateway_handshake_age_seconds", help: "Seconds since the last WireGuard handshake", type: "gauge",
      samples: input.cable.flatMap((c) => (c.lastHandshakeMs === undefined ? [] : [{ labels: peer(c.clusterId), value: Math.max(0, (now - c.lastHandshakeMs) / 1000) }])),
    },
  ];
}
