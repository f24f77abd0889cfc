import type { MetricFamily } from "@isthmus/core/runtime";
import type { PolicyDrops } from "./agent.js";

/** The policy agent's metric families: drops per policy and direction, and whether a complete ruleset is in force. */
export function policyMetrics(drops: readonly PolicyDrops[], ready: boolean): MetricFamily[] {
  const labels = (d: PolicyDrops) => ({ namespace: d.namespace, policy: d.policy, direction: d.direction });
  return [
    { name: "isthmus_policy_dropped_packets_total", help: "Packets dropped on this node because this NetworkPolicy isolates the pod (each isolating policy counts the packet).", type: "counter", samples: drops.map((d) => ({ labels: labels(d), value: d.packets })) },
    { name: "isthmus_policy_dropped_bytes_total", help: "Bytes of the packets counted by isthmus_policy_dropped_packets_total.", type: "counter", samples: drops.map((d) => ({ labels: labels(d), value: d.bytes })) },
    { name: "isthmus_policy_ready", help: "1 once this agent has applied a ruleset computed from complete caches.", type: "gauge", samples: [{ value: ready ? 1 : 0 }] },
  ];
}
