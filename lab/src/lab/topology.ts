/**
 * Applies a plan's network: namespaces, bridges, veths, addresses, routes and the optional NAT
 * router, all with `ip`/`nft` inside lab namespaces. Nothing is created in the host's root
 * namespace: every veth is made inside one lab namespace with its peer placed straight into
 * another, so no link, address, route or rule of the host changes.
 *
 * Addressing: cluster LAN bridge in the control-plane namespace (the nodes' default gateway,
 * which has no default route itself, so lab traffic never leaves the lab); gateway nodes reach
 * each other over the WAN bridge; a NAT cluster's gateway node reaches the WAN through a router
 * namespace that masquerades. The "outside" host (planOutside) sits on the WAN, and each
 * control-plane namespace routes its LAN to it (only to it: no default route).
 */
import type { ClusterPlan, LabPlan, NatPlan, NodePlan } from "./plan.js";
import { planNamespaces, planOutside } from "./plan.js";
import { nsenterArgv, runCommand } from "./run.js";

/** Creates every namespace, link, address and route of the plan. Expects none of them to exist. */
export async function applyNetwork(plan: LabPlan): Promise<void> {
  for (const ns of planNamespaces(plan)) {
    await ip(["netns", "add", ns]);
    await ip(["-n", ns, "link", "set", "lo", "up"]);
  }
  await ip(["-n", plan.wan.netns, "link", "add", plan.wan.bridge, "type", "bridge"]);
  await ip(["-n", plan.wan.netns, "link", "set", plan.wan.bridge, "up"]);
  for (const cluster of plan.clusters) {
    await applyCluster(plan, cluster);
  }
  await applyOutside(plan);
}

/**
 * Adds the outside host and the LAN routers' WAN legs (planOutside) where they are missing:
 * part of every new lab, and idempotent so that a lab brought up before it existed gets it too.
 */
export async function applyOutside(plan: LabPlan): Promise<void> {
  const outside = planOutside(plan);
  for (const router of outside.routers) {
    const has = await runCommand(["ip", "-n", router.netns, "link", "show", "wan0"], { allowFailure: true });
    if (has.code === 0) continue;
    await ip(["-n", router.netns, "link", "add", "wan0", "type", "veth", "peer", "name", router.peerIfname, "netns", plan.wan.netns]);
    await ip(["-n", plan.wan.netns, "link", "set", router.peerIfname, "master", plan.wan.bridge, "up"]);
    await ip(["-n", router.netns, "addr", "add", `${router.wanAddress}/${plan.wan.prefixLength}`, "dev", "wan0"]);
    await ip(["-n", router.netns, "link", "set", "wan0", "up"]);
    await sysctl(router.netns, "net.ipv4.ip_forward", "1");
  }
  if ((await listNamespaces(outside.netns)).includes(outside.netns)) return;
  await ip(["netns", "add", outside.netns]);
  await ip(["-n", outside.netns, "link", "set", "lo", "up"]);
  await ip(["-n", outside.netns, "link", "add", "eth0", "type", "veth", "peer", "name", outside.peerIfname, "netns", plan.wan.netns]);
  await ip(["-n", plan.wan.netns, "link", "set", outside.peerIfname, "master", plan.wan.bridge, "up"]);
  await ip(["-n", outside.netns, "addr", "add", `${outside.address}/${plan.wan.prefixLength}`, "dev", "eth0"]);
  await ip(["-n", outside.netns, "link", "set", "eth0", "up"]);
  for (const router of outside.routers) await ip(["-n", outside.netns, "route", "add", router.lanCidr, "via", router.wanAddress]);
}

async function applyCluster(plan: LabPlan, cluster: ClusterPlan): Promise<void> {
  const cp = cluster.cpNetns;
  await ip(["-n", cp, "link", "add", cluster.lanBridge, "type", "bridge"]);
  await ip(["-n", cp, "addr", "add", `${cluster.cpAddress}/${cluster.lanPrefixLength}`, "dev", cluster.lanBridge]);
  await ip(["-n", cp, "link", "set", cluster.lanBridge, "up"]);
  if (cluster.nat !== undefined) await applyNatRouter(plan, cluster.nat);
  for (const node of cluster.nodes) {
    await applyNode(plan, cluster, node);
  }
}

async function applyNode(plan: LabPlan, cluster: ClusterPlan, node: NodePlan): Promise<void> {
  const ns = node.netns;
  await ip(["-n", ns, "link", "add", node.lanIfname, "type", "veth", "peer", "name", node.lanPeerIfname, "netns", cluster.cpNetns]);
  await ip(["-n", cluster.cpNetns, "link", "set", node.lanPeerIfname, "master", cluster.lanBridge, "up"]);
  await ip(["-n", ns, "addr", "add", `${node.lanAddress}/${cluster.lanPrefixLength}`, "dev", node.lanIfname]);
  await ip(["-n", ns, "link", "set", node.lanIfname, "up"]);
  await ip(["-n", ns, "route", "add", "default", "via", cluster.cpAddress, "dev", node.lanIfname]);
  // Pods' traffic is routed by the node; the sysctl is per network namespace.
  await sysctl(ns, "net.ipv4.ip_forward", "1");
  if (node.wan === undefined) return;
  const wan = node.wan;
  const peerNs = cluster.nat === undefined ? plan.wan.netns : cluster.nat.netns;
  await ip(["-n", ns, "link", "add", wan.ifname, "type", "veth", "peer", "name", wan.peerIfname, "netns", peerNs]);
  if (cluster.nat === undefined) {
    await ip(["-n", peerNs, "link", "set", wan.peerIfname, "master", plan.wan.bridge, "up"]);
    await ip(["-n", ns, "addr", "add", `${wan.address}/${plan.wan.prefixLength}`, "dev", wan.ifname]);
    await ip(["-n", ns, "link", "set", wan.ifname, "up"]);
    return;
  }
  const nat = cluster.nat;
  await ip(["-n", peerNs, "addr", "add", `${nat.insideAddress}/24`, "dev", wan.peerIfname]);
  await ip(["-n", peerNs, "link", "set", wan.peerIfname, "up"]);
  await ip(["-n", ns, "addr", "add", `${wan.address}/24`, "dev", wan.ifname]);
  await ip(["-n", ns, "link", "set", wan.ifname, "up"]);
  await ip(["-n", ns, "route", "add", plan.wan.cidr, "via", nat.insideAddress, "dev", wan.ifname]);
}

async function applyNatRouter(plan: LabPlan, nat: NatPlan): Promise<void> {
  const ns = nat.netns;
  const peer = ns.slice(plan.namePrefix.length).slice(0, 15);
  await ip(["-n", ns, "link", "add", "wan0", "type", "veth", "peer", "name", peer, "netns", plan.wan.netns]);
  await ip(["-n", plan.wan.netns, "link", "set", peer, "master", plan.wan.bridge, "up"]);
  await ip(["-n", ns, "addr", "add", `${nat.wanAddress}/${plan.wan.prefixLength}`, "dev", "wan0"]);
  await ip(["-n", ns, "link", "set", "wan0", "up"]);
  await sysctl(ns, "net.ipv4.ip_forward", "1");
  const ruleset = [
    "table ip isthmus-lab-nat {",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    '    oifname "wan0" masquerade',
    "  }",
    "}",
    "",
  ].join("\n");
  await runCommand([...nsenterArgv(ns), "nft", "-f", "-"], { input: ruleset });
}

/** Deletes the plan's namespaces and every other namespace with the plan's prefix; idempotent. */
export async function destroyNetwork(plan: LabPlan): Promise<string[]> {
  const existing = await listNamespaces(plan.namePrefix);
  for (const ns of existing) {
    await ip(["netns", "del", ns]);
  }
  return existing;
}

/** Names of the network namespaces whose name starts with `prefix`. */
export async function listNamespaces(prefix: string): Promise<string[]> {
  const { stdout } = await runCommand(["ip", "-j", "netns", "list"]);
  const list = stdout.trim() === "" ? [] : (JSON.parse(stdout) as { name: string }[]);
  return list.map((n) => n.name).filter((n) => n.startsWith(prefix));
}

/** Sets a sysctl inside a lab namespace. */
export async function sysctl(netns: string, key: string, value: string): Promise<void> {
  await runCommand([...nsenterArgv(netns), "sysctl", "-q", "-w", `${key}=${value}`]);
}

async function ip(args: readonly string[]): Promise<void> {
  await runCommand(["ip", ...args]);
}

/** Adds (or replaces) a route inside a lab namespace. */
export async function replaceRoute(netns: string, options: { readonly to: string; readonly via: string }): Promise<void> {
  await ip(["-n", netns, "route", "replace", options.to, "via", options.via]);
}
