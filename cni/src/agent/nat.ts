import { defaults } from "@isthmus/core/constants";
import { type Cidr } from "@isthmus/core/net";
import type { CommandRunner } from "../datapath/exec.js";
import { CniError } from "../plugin/errors.js";

/** The nftables table of the agent (family ip). */
export const natTable = "isthmus-node";
/** The set of CIDRs the gateway declares remote (filled by the gateway, never flushed here). */
export const remoteCidrSet = "remote_cidrs";
/** The set of this cluster's own CIDRs (pod CIDRs of all nodes, the service CIDR). */
export const clusterCidrSet = "cluster_cidrs";

/**
 * The `nft -f` script that (re)programs masquerading: pod traffic from `localPodCidr` leaving the
 * cluster is masqueraded unless it goes to `clusterCidrs` or to `@remote_cidrs`. One atomic
 * transaction; `remote_cidrs` is created when missing and otherwise left as the gateway filled it.
 * The overlay's own UDP packets (VXLAN, node to node) skip connection tracking: the pod packets
 * inside are tracked on both nodes already, and a second lookup per packet for the tunnel costs
 * throughput (docs/adr/0404). TCP SYNs forwarded into `isthmus.1` get their MSS lowered to its
 * MTU: in mode `cross-subnet` pods have the underlay's MTU and the VXLAN path is 50 bytes smaller
 * (docs/adr/0405); in mode `always` the pods' own MSS already fits and the rule changes nothing.
 */
export function natScript(localPodCidr: Cidr, clusterCidrs: readonly Cidr[]): string {
  const t = `ip ${natTable}`;
  const lines = [
    `add table ${t}`,
    `add set ${t} ${clusterCidrSet} { type ipv4_addr; flags interval; auto-merge; }`,
    `add set ${t} ${remoteCidrSet} { type ipv4_addr; flags interval; auto-merge; }`,
    `add chain ${t} postrouting { type nat hook postrouting priority srcnat + 10; policy accept; }`,
    `flush chain ${t} postrouting`,
    `add chain ${t} raw_prerouting { type filter hook prerouting priority raw; policy accept; }`,
    `add chain ${t} raw_output { type filter hook output priority raw; policy accept; }`,
    `flush chain ${t} raw_prerouting`,
    `flush chain ${t} raw_output`,
    `add rule ${t} raw_prerouting udp dport ${defaults.cniVxlanPort} notrack`,
    `add rule ${t} raw_output udp dport ${defaults.cniVxlanPort} notrack`,
    `add chain ${t} mss_forward { type filter hook forward priority mangle; policy accept; }`,
    `flush chain ${t} mss_forward`,
    `add rule ${t} mss_forward oifname "${defaults.cniVxlanDevice}" tcp flags syn tcp option maxseg size set rt mtu`,
    `flush set ${t} ${clusterCidrSet}`,
  ];
  const cidrs = clusterCidrs.filter((c) => c.family === 4).map((c) => c.toString());
  if (cidrs.length > 0) lines.push(`add element ${t} ${clusterCidrSet} { ${cidrs.join(", ")} }`);
  lines.push(`add rule ${t} postrouting ip saddr ${localPodCidr.toString()} ip daddr != @${clusterCidrSet} ip daddr != @${remoteCidrSet} masquerade`);
  return lines.map((l) => `${l}\n`).join("");
}

/** Applies {@link natScript} in one `nft -f -` transaction. */
export async function applyNat(runner: CommandRunner, localPodCidr: Cidr, clusterCidrs: readonly Cidr[]): Promise<void> {
  await runner.run(["nft", "-f", "-"], { stdin: natScript(localPodCidr, clusterCidrs) });
}

/** Deletes the table (uninstall); idempotent. */
export async function deleteNat(runner: CommandRunner): Promise<void> {
  const out = await runner.run(["nft", "delete", "table", "ip", natTable], { allowFailure: true });
  if (out.code !== 0 && !out.stderr.includes('No such file or directory')) throw new CniError("IoFailure", `Cannot delete nft table ${natTable}: ${out.stderr.trim()}`);
}

/** The sysctls the node needs: forwarding for pod traffic. */
export const nodeSysctls: Readonly<Record<string, string>> = Object.freeze({
  "net.ipv4.ip_forward": "1",
  "net.ipv4.conf.all.forwarding": "1",
});

/** Sets {@link nodeSysctls} (in the runner's namespace). */
export async function applySysctls(runner: CommandRunner): Promise<void> {
  await runner.run(["sysctl", "-q", "-w", ...Object.entries(nodeSysctls).map(([k, v]) => `${k}=${v}`)]);
}
