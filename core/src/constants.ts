/**
 * Names, ports and defaults shared by every component (docs/architecture.md §3). Change a value
 * only with a reason, here and in the docs.
 */
export const defaults = Object.freeze({
  /** Namespace of the agents in every member cluster. */
  namespace: "isthmus-system",
  /** API group and version of our own CRDs. */
  apiGroup: "isthmus.io",
  apiVersion: "v1alpha1",
  /** MCS API group and version. */
  mcsGroup: "multicluster.x-k8s.io",
  mcsVersion: "v1alpha1",
  /** ClusterProperty that names the cluster id, when present. */
  clusterIdProperty: "cluster.clusterset.k8s.io",
  /** Lease that elects the active gateway. */
  gatewayLease: "isthmus-gateway",
  /** Node label of gateway candidates and the public-IP override annotation. */
  gatewayNodeLabel: "isthmus.io/gateway",
  publicIpAnnotation: "isthmus.io/public-ip",
  /** Node annotation by which each node's route agent reports the CNI config the runtime uses there (core model `CniConfigReport`, ADR 0408). */
  cniConfigAnnotation: "isthmus.io/cni-config",
  /** Secret written by `isthmus join`: broker address, CA, join token, cluster id. */
  brokerSecret: "isthmus-broker",
  /** Secret holding the cluster's broker client certificate, made by the first agent to join. */
  brokerCredentialsSecret: "isthmus-broker-credentials",
  /** Fixed pod IP annotation. */
  podIpAnnotation: "isthmus.io/ip-address",
  /** Namespace label (value "true") that shares the namespace's pods, with their labels, with the clusterset (ADR 0406). */
  sharePodsLabel: "isthmus.io/share-pods",
  /** The label key by which a NetworkPolicy peer's podSelector names pods of other clusters (ADR 0406). */
  clusterLabel: "isthmus.io/cluster",
  /** Plural of the cluster-scoped RemotePodSet (isthmus.io/v1alpha1): another cluster's shared pods, written by isthmus-dns, read by isthmus-node. */
  remotePodSetPlural: "remotepodsets",
  /** Broker ports: gRPC over TLS, HTTP for health and metrics. */
  brokerGrpcPort: 7443,
  brokerHttpPort: 7080,
  /** WireGuard cable. */
  wireguardPort: 51820,
  wireguardDevice: "isthmus-wg",
  /** VXLAN cable. */
  vxlanCablePort: 4790,
  /** Route agent VXLAN towards the active gateway node. */
  routeAgentDevice: "vx-isthmus",
  routeAgentVni: 100,
  routeAgentPort: 4800,
  /** CNI overlay. */
  cniVxlanDevice: "isthmus.1",
  cniVni: 1,
  cniVxlanPort: 8472,
  cniBridge: "isthmus0",
  /** UDP port on which isthmus-node probes and answers the egress nodes' liveness probes (ADR 0407). */
  egressProbePort: 4801,
  /** Route protocol number marking isthmus-node's routes to other nodes (`ip route … proto 148`; the gateway's is 149). */
  cniRouteProtocol: 148,
  /** Bytes of VXLAN overhead subtracted from the underlay MTU. */
  vxlanOverhead: 50,
  /** DNS. */
  dnsZone: "clusterset.local",
  dnsTtlSeconds: 5,
  /** Global CIDR pool for overlapping clusters (Globalnet) and the prefix each cluster gets. */
  globalCidrPool: "242.0.0.0/8",
  globalCidrPrefix: 16,
});
