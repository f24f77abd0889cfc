// Two "clusters" in network namespaces for cable tests: pod1 — gw1 ══ underlay ══ gw2 — pod2.
// Pod CIDRs 10.1.0.0/16 and 10.2.0.0/16 (service CIDRs 10.101.0.0/16 and 10.102.0.0/16 are only
// routed), underlay 198.18.0.0/24, tunnel (health-check) addresses 10.1.255.1 and 10.2.255.1.
import type { CablePeer } from "../cable/driver.js";
import { createNetnsLab, ipIn, type NetnsLab } from "./netns.js";

/** One side of the pair. */
export interface TestSide {
  readonly gw: string;
  readonly pod: string;
  readonly podIp: string;
  readonly underlayIp: string;
  readonly tunnelIp: string;
  readonly cidrs: readonly string[];
}

/** The namespaces of a gateway pair and the cleanup of all of them. */
export interface GatewayPair {
  readonly lab: NetnsLab;
  readonly sides: readonly [TestSide, TestSide];
}

/** Builds the two clusters (no tunnel yet: the cable under test adds it). */
export async function createGatewayPair(tag: string): Promise<GatewayPair> {
  const lab = createNetnsLab(tag);
  const sides: TestSide[] = [];
  for (const n of [1, 2]) {
    const gw = await lab.add(`gw${n}`);
    const pod = await lab.add(`pod${n}`);
    await lab.link({ netns: pod, ifname: "eth0", address: `10.${n}.0.10/24` }, { netns: gw, ifname: "pods", address: `10.${n}.0.1/24` });
    await ipIn(pod, ["route", "add", "default", "via", `10.${n}.0.1`]);
    sides.push({ gw, pod, podIp: `10.${n}.0.10`, underlayIp: `198.18.0.${n}`, tunnelIp: `10.${n}.255.1`, cidrs: [`10.${n}.0.0/16`, `10.10${n}.0.0/16`] });
  }
  const [one, two] = sides as [TestSide, TestSide];
  await lab.link({ netns: one.gw, ifname: "wan", address: "198.18.0.1/24" }, { netns: two.gw, ifname: "wan", address: "198.18.0.2/24" });
  return { lab, sides: [one, two] };
}

/** The peer that `side` is for the other side's cable. */
export function peerOf(side: TestSide, clusterId: string, extra: Partial<CablePeer> = {}): CablePeer {
  return { clusterId, remoteIp: side.underlayIp, port: 51820, cidrs: side.cidrs, tunnelIp: side.tunnelIp, behindNat: false, ...extra };
}
