import type { ConnectionStatus, GatewayEndpoint, ServiceExport, WorkloadSet } from "@isthmus/core/model";

const t0 = "2025-01-31T12:00:00.000Z";

/** A valid gateway endpoint of `clusterId`. */
export function endpointOf(clusterId: string, hostname = "gw-1", octet = 1): GatewayEndpoint {
  return {
    clusterId,
    hostname,
    publicIp: `198.51.100.${octet}`,
    privateIp: `192.0.2.${octet}`,
    port: 4790,
    cableDriver: "vxlan",
    healthCheckIp: `100.64.0.${octet}`,
    behindNat: false,
    role: "active",
  };
}

/** A valid ClusterSetIP export `ns/name` of `clusterId`. */
export function exportOf(clusterId: string, name: string, namespace = "default"): ServiceExport {
  return {
    clusterId,
    namespace,
    name,
    type: "ClusterSetIP",
    ports: [{ port: 80, protocol: "TCP" }],
    clusterIp: "10.96.0.10",
    createdAt: t0,
  };
}

/** `count` exports named `svc-<offset+i>` of `clusterId`. */
export function exportsOf(clusterId: string, count: number, offset = 0): ServiceExport[] {
  return Array.from({ length: count }, (_, i) => exportOf(clusterId, `svc-${offset + i}`));
}

/** A valid workload set of namespace `namespace` of `clusterId` with `pods` pods (10.9.0.1, 10.9.0.2, …). */
export function workloadOf(clusterId: string, namespace: string, pods = 2): WorkloadSet {
  return {
    clusterId,
    namespace,
    namespaceLabels: { team: namespace },
    pods: Array.from({ length: pods }, (_, i) => ({ name: `pod-${String(i)}`, ip: `10.9.${String(Math.floor((i + 1) / 256))}.${String((i + 1) % 256)}`, labels: { app: i === 0 ? "frontend" : "backend" } })),
  };
}

/** A valid connection status from `from` to `to`. */
export function connectionOf(from: string, to: string): ConnectionStatus {
  return {
    fromCluster: from,
    fromGateway: "gw-1",
    toCluster: to,
    status: "connected",
    rtt: { lastMs: 1, minMs: 1, avgMs: 1, maxMs: 1, stddevMs: 0 },
    lastChange: t0,
  };
}

/** A cluster spec with pod CIDR 10.<n>.0.0/16 and service CIDR 172.<16+n>.0.0/16 (n < 16). */
export function specOf(n: number): { podCidrs: string[]; serviceCidrs: string[] } {
  return { podCidrs: [`10.${n}.0.0/16`], serviceCidrs: [`172.${16 + (n % 16)}.${Math.floor(n / 16)}.0/24`] };
}
