import type { ConnectionStatus, RttStats } from "@isthmus/core/model";
import type { CableConnection } from "../cable/driver.js";
import type { PeerHealthSnapshot } from "../health/peer-health.js";
import type { GatewayConnectionStatus } from "./gateway-resource.js";
import type { PlannedPeer } from "./peer-plan.js";

const zeroRtt: RttStats = Object.freeze({ lastMs: 0, minMs: 0, avgMs: 0, maxMs: 0, stddevMs: 0 });

/** What the gateway knows about one planned peer right now. */
export interface PeerView {
  readonly planned: PlannedPeer;
  readonly health: PeerHealthSnapshot | undefined;
  readonly cable: CableConnection | undefined;
}

/** The Gateway-status line of one peer; a passive gateway reports "standby". */
export function gatewayConnection(view: PeerView, options: { active: boolean; driver: string }): GatewayConnectionStatus {
  const { planned, health } = view;
  const base = {
    gateway: planned.endpoint.hostname,
    cluster: planned.peer.clusterId,
    remoteIp: planned.peer.remoteIp,
    behindNat: planned.peer.behindNat,
    driver: options.driver,
    subnets: planned.subnets,
  };
  if (!options.active) return { ...base, status: "standby" };
  return {
    ...base,
    status: health?.status ?? "connecting",
    ...(health?.reason === undefined ? {} : { reason: health.reason }),
    ...(health?.rtt === undefined ? {} : { rtt: health.rtt }),
    ...(health === undefined ? {} : { lossRatio: health.lossRatio }),
  };
}

/** The connection statuses the active gateway publishes to the broker. */
export function brokerConnection(view: PeerView, options: { clusterId: string; hostname: string; wallNow: () => number; monoNow: () => number }): ConnectionStatus {
  const { planned, health } = view;
  const status = health?.status ?? "connecting";
  const changedAgoMs = health === undefined ? 0 : Math.max(0, options.monoNow() - health.lastChangeMs);
  return {
    fromCluster: options.clusterId,
    fromGateway: options.hostname,
    toCluster: planned.peer.clusterId,
    toGateway: planned.endpoint.hostname,
    status,
    ...(status === "error" ? { reason: health?.reason ?? "health probes fail" } : health?.reason === undefined ? {} : { reason: health.reason }),
    rtt: health?.rtt ?? zeroRtt,
    lossRatio: health?.lossRatio ?? 0,
    lastChange: new Date(options.wallNow() - changedAgoMs).toISOString(),
  };
}
