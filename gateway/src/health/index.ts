// Health probing of remote gateways through the tunnel. Re-exports only.
export * from "./rtt-window.js";
export * from "./peer-health.js";
export * from "./source.js";
export * from "./prober.js";
export * from "./icmp-source.js";
export * from "./udp-source.js";
