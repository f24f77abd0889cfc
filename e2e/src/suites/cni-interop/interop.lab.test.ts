/**
 * Clusters that run another CNI (issue #18), on a lab of the suite's own (./lab.ts): c1 on
 * isthmus-cni, c2 on flannel (flanneld from its own manifest, VXLAN backend, `--ip-masq`), c3 on
 * the reference bridge + host-local plugins, with the real gateway and route agents and a broker
 * on the WAN (the gateway suites' fixture), over `wireguard` and over `vxlan`:
 * - c1 ↔ c2 and c1 ↔ c3, both ways: a pod on one cluster's non-gateway node reaches the echo pod
 *   on the other's non-gateway node, which sees the client pod's own IP (flannel masquerades pod
 *   traffic leaving its network and traffic entering it for another node; the route agent's
 *   rules keep both sources);
 * - 50 MB with the don't-fragment bit set, both ways between c1 and each of c2 and c3;
 * - flanneld restarted on c2's gateway node and on its other node during a probe loop from c1:
 *   traffic recovers by itself, the loss window is printed;
 * - removing the agents leaves flannel's own rules, devices and routes on c2's nodes exactly as
 *   they were before the agents came.
 * The lab is taken down at the end and must leave nothing behind (`ISTHMUS_LAB_KEEP=1` keeps it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLeftovers, labDown, labUp } from "@isthmus/lab";
import { waitFor } from "@isthmus/lab/testing";
import { probeLoss } from "../gateway/failover.js";
import { startGatewayLab, workloadNamespace, type GatewayLab } from "../gateway/fixture.js";
import { deployWorkloads, echoFrom, podIp, waitForPath } from "../gateway/workloads.js";
import { interopLabLocation, interopLabOptions, interopLabPlan } from "./lab.js";

const clusters = ["c1", "c2", "c3"] as const;
const pairs = [["c1", "c2"], ["c2", "c1"], ["c1", "c3"], ["c3", "c1"]] as const;
const keep = process.env.ISTHMUS_LAB_KEEP === "1";

let lab: GatewayLab | undefined;
const interopLab = (): GatewayLab => {
  if (lab === undefined) throw new Error("the interop lab did not start");
  return lab;
};

/**
 * What flannel made on a node and an uninstall must leave as it was: its iptables rules (nat and
 * filter, in order), the node's devices and its routing table.
 */
async function flannelState(node: string): Promise<string[]> {
  const target = `c2/${node}`;
  const rules = async (table: string): Promise<string[]> => (await interopLab().exec(target, ["iptables", "-t", table, "-S"])).split("\n").filter((l) => /flannel/i.test(l));
  const links = (await interopLab().exec(target, ["ip", "-o", "link", "show"])).split("\n").filter((l) => l !== "").map((l) => `link ${l.split(":")[1]?.trim().split("@")[0] ?? ""}`);
  const routes = (await interopLab().exec(target, ["ip", "route", "show"])).split("\n").filter((l) => l !== "").map((l) => `route ${l.trim()}`);
  return [...(await rules("nat")), ...(await rules("filter")), ...links, ...routes];
}

beforeAll(async () => {
  await labUp(interopLabOptions, { onProgress: (line) => process.stderr.write(`[interop lab] ${line}\n`) });
  lab = await startGatewayLab(interopLabLocation);
  await deployWorkloads(interopLab(), clusters);
}, 900_000);

afterAll(async () => {
  await lab?.stop();
  if (keep) return;
  await labDown(interopLabLocation);
  expect(await findLeftovers(interopLabPlan)).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
}, 300_000);

describe("the lab's clusters run three CNIs", () => {
  it("c2 runs flanneld with the VXLAN backend and masquerading, c3 the reference bridge, c1 isthmus-cni", async () => {
    expect(interopLabPlan.clusters.map((c) => [c.id, c.podNetwork])).toEqual([["c1", "isthmus"], ["c2", "flannel"], ["c3", "reference"]]);
    for (const node of ["c2-n1", "c2-n2"]) {
      expect(await interopLab().exec(`c2/${node}`, ["ip", "-d", "link", "show", "flannel.1"])).toMatch(/vxlan id 1 .*dstport 8472/);
      expect((await interopLab().exec(`c2/${node}`, ["iptables", "-t", "nat", "-S"])).split("\n").some((l) => l.includes("-s 10.2.0.0/16") && l.includes("MASQUERADE"))).toBe(true);
    }
    expect(await interopLab().exec("c3/c3-n2", ["ip", "-o", "link", "show", "cni0"])).toContain("cni0");
    expect(await interopLab().exec("c1/c1-n2", ["ip", "-o", "link", "show", "isthmus.1"])).toContain("isthmus.1");
  });
});

describe.each(["wireguard", "vxlan"] as const)("over the %s cable", (driver) => {
  const before = new Map<string, string[]>();

  beforeAll(async () => {
    for (const node of ["c2-n1", "c2-n2"]) before.set(node, await flannelState(node));
    await interopLab().deploy(driver);
    for (const [from, to] of pairs) await waitForPath(interopLab(), from, to, 120_000);
  }, 600_000);

  it.each(pairs)("a pod on %s's non-gateway node reaches the echo pod on %s's, which sees the client pod's IP", { timeout: 120_000 }, async (from, to) => {
    const reply = await echoFrom(interopLab(), from, `http://${await podIp(interopLab(), to, "echo")}:8080/interop`);
    expect(reply.cluster).toBe(to);
    expect(reply.node).toBe(`${to}-n2`);
    expect(reply.client.split(":")[0]).toBe(await podIp(interopLab(), from, "client"));
  });

  it.each(pairs)("carries 50 MB with the don't-fragment bit set from %s's client pod to %s's echo pod", { timeout: 150_000 }, async (from, to) => {
    const address = await podIp(interopLab(), to, "echo");
    // Full-size DF pings fit the tunnel MTU or fail: the path MTU is what MSS clamping relies on.
    await interopLab().exec(`${from}/${workloadNamespace}/client`, ["ping", "-n", "-c", "2", "-W", "2", "-M", "do", "-s", String((driver === "wireguard" ? 1420 : 1450) - 28), address]);
    const sink = interopLab().exec(`${to}/${workloadNamespace}/echo`, ["sh", "-c", "timeout 90 socat -u TCP-LISTEN:9000,reuseaddr STDOUT | wc -c"], { timeoutMs: 100_000 });
    await waitFor("the sink to listen", async () => ((await interopLab().exec(`${to}/${workloadNamespace}/echo`, ["ss", "-ltnH", "sport = :9000"])).trim() === "" ? undefined : true), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    await interopLab().exec(`${from}/${workloadNamespace}/client`, ["sh", "-c", `head -c 52428800 /dev/zero | timeout 90 socat -u STDIN TCP:${address}:9000`], { timeoutMs: 100_000 });
    expect((await sink).trim()).toBe("52428800");
  });

  if (driver === "wireguard") {
    it.each(["c2-n1", "c2-n2"])("recovers by itself when flanneld restarts on %s during a probe loop from c1", { timeout: 240_000 }, async (node) => {
      const selector = ["-n", "kube-flannel", "get", "pods", "-l", "app=flannel", "--field-selector", `spec.nodeName=${node}`, "-o"];
      const old = (await interopLab().kubectl("c2", [...selector, "name"])).trim();
      const result = await probeLoss(interopLab(), "c1", {
        targetIp: await podIp(interopLab(), "c2", "echo"),
        intervalMs: 20,
        durationMs: 12_000,
        tail: 50,
        during: async () => {
          await interopLab().kubectl("c2", ["-n", "kube-flannel", "delete", "--wait=false", old]);
        },
      });
      process.stderr.write(`[interop] c1 -> c2 while flanneld restarts on ${node}: sent ${result.sent}, answered ${result.answered}, loss window ${result.maxGapMs} ms\n`);
      expect(result.tailAnswered).toBeGreaterThanOrEqual(49);
      await waitFor(`a new, ready flannel pod on ${node}`, async () => {
        const out = (await interopLab().kubectl("c2", [...selector, "jsonpath={.items[*].metadata.name} {.items[*].status.containerStatuses[0].ready}"])).trim();
        const [name, ready] = out.split(" ");
        return (name !== undefined && `pod/${name}` !== old && ready === "true") || undefined;
      }, { timeoutMs: 90_000, intervalMs: 500 });
      for (const [from, to] of pairs) await waitForPath(interopLab(), from, to, 60_000);
    });
  }

  it("removes every device, route and nft table of ours on uninstall, and leaves flannel's own exactly as before", async () => {
    expect(await interopLab().undeploy()).toEqual([]);
    for (const node of ["c2-n1", "c2-n2"]) expect(await flannelState(node)).toEqual(before.get(node));
  }, 300_000);
});
