/**
 * Three clusters in a full WireGuard mesh, c3 behind the lab's NAT router, on a lab of the
 * suite's own (./lab.ts; the shared lab has two clusters and no NAT) with the real gateway and
 * route agents and a broker on the WAN (the gateway suites' fixture):
 * - every pair of clusters, both ways: a pod on one cluster's non-gateway node reaches the echo
 *   pod on the other's, which sees the client pod's own IP;
 * - c3's gateway finds itself behind NAT (its public address, the router's, is not one of its
 *   own), every connection to or from it says so in the `Gateway` status, and exactly the
 *   WireGuard peers across the NAT carry a persistent keepalive;
 * - endpoint choice (ADR 0502): c1 and c2 dial each other's WAN address and c3's NAT address;
 * - the mesh survives a restart of c3's gateway agent.
 * The lab is taken down at the end and must leave nothing behind (`ISTHMUS_LAB_KEEP=1` keeps it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaults } from "@isthmus/core/constants";
import { findLeftovers, labDown, labUp } from "@isthmus/lab";
import { waitFor } from "@isthmus/lab/testing";
import { gatewayStatus, probeLoss } from "../gateway/failover.js";
import { gatewayNode, startGatewayLab, type GatewayLab } from "../gateway/fixture.js";
import { deployWorkloads, echoFrom, podIp, waitForPath } from "../gateway/workloads.js";
import { meshLabLocation, meshLabOptions, meshLabPlan } from "./lab.js";

const clusters = ["c1", "c2", "c3"] as const;
const pairs = clusters.flatMap((from) => clusters.filter((to) => to !== from).map((to) => [from, to] as const));
const keep = process.env.ISTHMUS_LAB_KEEP === "1";

let lab: GatewayLab | undefined;
const meshLab = (): GatewayLab => {
  if (lab === undefined) throw new Error("the mesh lab did not start");
  return lab;
};
const plan = (id: string): (typeof meshLabPlan.clusters)[number] => {
  const found = meshLabPlan.clusters.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no cluster ${id} in the mesh lab`);
  return found;
};
/** The active gateway's Gateway status of `cluster` (node 1 is its only candidate). */
const statusOf = async (cluster: string): Promise<NonNullable<Awaited<ReturnType<typeof gatewayStatus>>>> => {
  const status = await gatewayStatus(meshLab(), cluster, gatewayNode(plan(cluster)).name);
  if (status === undefined) throw new Error(`${cluster}'s gateway has no status`);
  return status;
};

/** `wg show <dev> dump` peer lines on a node: allowed IPs → endpoint and keepalive. */
async function wireguardPeers(target: string): Promise<{ allowedIps: string; endpoint: string; keepalive: string }[]> {
  const dump = await meshLab().exec(target, ["wg", "show", defaults.wireguardDevice, "dump"]);
  // The first line is the interface; peer lines: key, psk, endpoint, allowed-ips, handshake, rx, tx, keepalive.
  return dump.trim().split("\n").slice(1).map((line) => {
    const [, , endpoint = "", allowedIps = "", , , , keepalive = ""] = line.split("\t");
    return { allowedIps, endpoint, keepalive };
  });
}

beforeAll(async () => {
  await labUp(meshLabOptions, { onProgress: (line) => process.stderr.write(`[mesh lab] ${line}\n`) });
  lab = await startGatewayLab(meshLabLocation);
  await deployWorkloads(meshLab(), clusters);
  await meshLab().deploy("wireguard");
  for (const [from, to] of pairs) await waitForPath(meshLab(), from, to, 120_000);
}, 900_000);

afterAll(async () => {
  await lab?.stop();
  if (keep) return;
  await labDown(meshLabLocation);
  expect(await findLeftovers(meshLabPlan)).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
}, 300_000);

describe("three clusters in a full wireguard mesh, c3 behind NAT", () => {
  it.each(pairs)("a pod on %s's non-gateway node reaches the echo pod on %s's, which sees the client pod's IP", { timeout: 180_000 }, async (from, to) => {
    const reply = await echoFrom(meshLab(), from, `http://${await podIp(meshLab(), to, "echo")}:8080/mesh`);
    expect(reply.cluster).toBe(to);
    expect(reply.node).toBe(`${to}-n2`);
    expect(reply.client.split(":")[0]).toBe(await podIp(meshLab(), from, "client"));
  });

  it("c3's gateway detects the NAT in front of it, and every connection across the NAT says so", async () => {
    const c3 = plan("c3");
    const natAddress = c3.nat?.wanAddress ?? "";
    const own = await statusOf("c3");
    expect(own.endpoint).toMatchObject({ publicIp: natAddress, privateIp: c3.nodes[0]?.lanAddress, behindNat: true });
    await waitFor("every gateway connected to the two others", async () => {
      for (const c of clusters) if ((await statusOf(c)).connections.filter((x) => x.status === "connected").length !== 2) return undefined;
      return true;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    const c3Lines = (await statusOf("c3")).connections;
    expect(c3Lines.map((l) => [l.cluster, l.behindNat]).sort()).toEqual([["c1", true], ["c2", true]]);
    for (const c of ["c1", "c2"]) {
      const lines = (await statusOf(c)).connections;
      expect(lines.find((l) => l.cluster === "c3")).toMatchObject({ behindNat: true, remoteIp: natAddress });
      const direct = lines.find((l) => l.cluster !== "c3");
      expect(direct?.behindNat).toBe(false);
    }
  });

  it("dials c1 and c2 at their WAN addresses and c3 at its NAT's public address (ADR 0502)", async () => {
    const wan = (id: string): string => gatewayNode(plan(id)).wanAddress;
    const remoteIps = async (c: string): Promise<string[][]> => (await statusOf(c)).connections.map((l) => [l.cluster, l.remoteIp]).sort();
    expect(await remoteIps("c1")).toEqual([["c2", wan("c2")], ["c3", wan("c3")]]);
    expect(await remoteIps("c2")).toEqual([["c1", wan("c1")], ["c3", wan("c3")]]);
    expect(await remoteIps("c3")).toEqual([["c1", wan("c1")], ["c2", wan("c2")]]);
  });

  it("keeps a persistent keepalive on exactly the WireGuard peers across the NAT", async () => {
    const keepalive = (peers: { allowedIps: string; keepalive: string }[], cidr: string): string | undefined =>
      peers.find((p) => p.allowedIps.split(",").includes(cidr))?.keepalive;
    const c1 = await wireguardPeers("c1/c1-n1");
    expect(keepalive(c1, plan("c3").podCidr)).toBe("25");
    expect(keepalive(c1, plan("c2").podCidr)).toBe("off");
    const c3 = await wireguardPeers("c3/c3-n1");
    expect(keepalive(c3, plan("c1").podCidr)).toBe("25");
    expect(keepalive(c3, plan("c2").podCidr)).toBe("25");
    // c1 learnt c3's endpoint from its packets: the NAT router's public address.
    expect(c1.find((p) => p.allowedIps.split(",").includes(plan("c3").podCidr))?.endpoint.split(":")[0]).toBe(plan("c3").nat?.wanAddress);
  });

  it("survives a restart of c3's gateway agent: traffic keeps flowing and every pair works afterwards", async () => {
    const gw = gatewayNode(plan("c3")).name;
    const selector = ["-n", defaults.namespace, "get", "pods", "-l", "app.kubernetes.io/name=isthmus-gateway", "--field-selector", `spec.nodeName=${gw}`, "-o"];
    const before = (await meshLab().kubectl("c3", [...selector, "name"])).trim();
    const result = await probeLoss(meshLab(), "c1", {
      targetIp: await podIp(meshLab(), "c3", "echo"), intervalMs: 20, durationMs: 8000, tail: 50,
      during: async () => { await meshLab().kubectl("c3", ["-n", defaults.namespace, "delete", "--wait=false", before]); },
    });
    process.stderr.write(`[mesh] c1 -> c3 while c3's gateway restarts: sent ${result.sent}, answered ${result.answered}, loss window ${result.maxGapMs} ms\n`);
    expect(result.tailAnswered).toBeGreaterThanOrEqual(49);
    await waitFor(`a new, ready gateway pod on ${gw}`, async () => {
      const out = (await meshLab().kubectl("c3", [...selector, "jsonpath={.items[*].metadata.name} {.items[*].status.containerStatuses[0].ready}"])).trim();
      const [name, ready] = out.split(" ");
      return (name !== undefined && `pod/${name}` !== before && ready === "true") || undefined;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    for (const [from, to] of pairs) await waitForPath(meshLab(), from, to, 120_000);
    expect((await statusOf("c3")).endpoint.behindNat).toBe(true);
  }, 600_000);
});
