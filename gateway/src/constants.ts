/**
 * The gateway package's own names and defaults (docs/architecture.md §3 lists the shared ones in
 * `@isthmus/core`'s `defaults`). Kept in one place; candidates to move into core's constants.
 */
export const gatewayDefaults = Object.freeze({
  /** Route protocol number that marks routes Isthmus installed (`ip route … proto 149`). */
  routeProtocol: 149,
  /** Device and VNI of the `vxlan` cable between clusters (UDP port: core `vxlanCablePort`). */
  vxlanCableDevice: "isthmus-vxlan",
  vxlanCableVni: 200,
  /** Health probes: interval, timeout, losses in a row that mean "error", answers that mean "connected". */
  probeIntervalMs: 100,
  probeTimeoutMs: 300,
  probeFailureThreshold: 5,
  probeRecoveryThreshold: 2,
  /** How long a remote gateway that failed its probes is skipped before it is tried again. */
  failedEndpointHoldMs: 30_000,
  /**
   * Gateway Lease timings (client-go semantics). The retry period is shorter than client-go's 2 s:
   * it bounds how long a standby waits for a Lease that the active one released (ADR 0501).
   */
  leaseDurationMs: 10_000,
  renewDeadlineMs: 7_000,
  retryPeriodMs: 500,
  /** How often the underlay (WAN) link state is read. */
  linkPollMs: 100,
  /** Prometheus metrics port of the gateway and of the route agent. */
  gatewayMetricsPort: 9471,
  routeAgentMetricsPort: 9472,
  /** The cluster-scoped `Gateway` resource (one per candidate node, named after it). */
  gatewayKind: "Gateway",
  gatewayPlural: "gateways",
  /** Directory of the WireGuard private key on the node: `<dir>/<node name>.key`, mode 0600. */
  keyDir: "/var/lib/isthmus/gateway",
  /** Route agent VTEP addresses: 240.0.0.0/8 + the node IPv4 address's last three bytes. */
  routeAgentPrefix: 240,
  /** nft table and set, made by the CNI (isthmus-node), that exempt remote CIDRs from masquerade. */
  cniNatTable: "isthmus-node",
  remoteCidrSet: "remote_cidrs",
  /**
   * The route agent's own nft table, and kube-proxy's masquerade mark (`--masquerade-bit=14`),
   * which it clears for traffic from remote clusters to Services so their source IPs survive.
   */
  routeAgentNftTable: "isthmus-route-agent",
  kubeProxyMasqueradeMark: 0x4000,
  /** How often agents re-apply their whole state even without events (level-based resync). */
  resyncMs: 30_000,
});
