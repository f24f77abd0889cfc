/**
 * Cross-cluster connectivity through the real gateway and route agents on the shared lab
 * (deploy/gateway applied, a real broker on the WAN): a pod on c1's non-gateway node reaches a
 * pod on c2's non-gateway node and a ClusterIP Service of c2, and back, over `wireguard` and
 * over `vxlan`, the non-gateway nodes routing directly to their gateway node on the shared LAN
 * (ADR 0503); the echo server sees the client pod's own IP; 50 MB with the don't-fragment bit
 * get through to the remote pod and to the remote Service; on the WAN, `wireguard` shows only UDP to its port. Then the agents are removed
 * and every device, route and nft table they made is gone.
 */
import { readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaults } from "@isthmus/core/constants";
import { labBinaries, waitFor } from "@isthmus/lab/testing";
import { deployWorkloads, echoFrom, podIp, serviceIp, waitForPath } from "./workloads.js";
import { startGatewayLab, type GatewayLab } from "./fixture.js";

let lab: GatewayLab | undefined;
const gatewayLab = (): GatewayLab => {
  if (lab === undefined) throw new Error("the gateway lab did not start");
  return lab;
};

beforeAll(async () => {
  lab = await startGatewayLab();
  await deployWorkloads(gatewayLab(), ["c1", "c2"]);
});

afterAll(async () => {
  await lab?.stop();
});

describe.each(["wireguard", "vxlan"] as const)("over the %s cable", (driver) => {
  beforeAll(async () => {
    await gatewayLab().deploy(driver);
    await waitForPath(gatewayLab(), "c1", "c2");
    await waitForPath(gatewayLab(), "c2", "c1");
  });

  it.each([["c1", "c2"], ["c2", "c1"]] as const)("a pod on %s's non-gateway node reaches the echo pod on %s's non-gateway node, which sees the client pod's IP", async (from, to) => {
    const reply = await echoFrom(gatewayLab(), from, `http://${await podIp(gatewayLab(), to, "echo")}:8080/pod`);
    expect(reply.cluster).toBe(to);
    expect(reply.node).toBe(`${to}-n2`);
    expect(reply.client.split(":")[0]).toBe(await podIp(gatewayLab(), from, "client"));
  });

  it("routes c2's pod CIDR from c1's non-gateway node directly to the gateway node on their shared LAN, not over vx-isthmus (ADR 0503)", async () => {
    const [c1, c2] = ["c1", "c2"].map((id) => gatewayLab().plan.clusters.find((c) => c.id === id));
    const gateway = c1?.nodes.find((n) => n.gateway);
    if (c2 === undefined || gateway === undefined) throw new Error("the lab has no c2 or no gateway node in c1");
    expect((await gatewayLab().exec("c1/c1-n2", ["ip", "route", "show", c2.podCidr])).trim()).toBe(`${c2.podCidr} via ${gateway.lanAddress} dev eth0 proto 149 metric 50 onlink`);
    expect((await gatewayLab().exec("c1/c1-n2", ["ip", "neigh", "show", "dev", defaults.routeAgentDevice, "nud", "permanent"])).trim()).toBe("");
  });

  it.each([["c1", "c2"], ["c2", "c1"]] as const)("a pod on %s reaches a ClusterIP Service of %s, whose backend sees the client pod's IP", async (from, to) => {
    const reply = await echoFrom(gatewayLab(), from, `http://${await serviceIp(gatewayLab(), to, "echo")}:80/service`);
    expect(reply.cluster).toBe(to);
    expect(reply.path).toBe("/service");
    expect(reply.client.split(":")[0]).toBe(await podIp(gatewayLab(), from, "client"));
  });

  it.each(["pod", "service"] as const)("carries 50 MB with the don't-fragment bit set to c2's echo %s (MSS clamped, no stall)", async (target) => {
    const address = target === "pod" ? await podIp(gatewayLab(), "c2", "echo") : await serviceIp(gatewayLab(), "c2", "echo");
    if (target === "pod") {
      // Full-size DF pings fit the tunnel MTU or fail: the path MTU is what MSS clamping relies on.
      await gatewayLab().exec(`c1/gateway-e2e/client`, ["ping", "-n", "-c", "2", "-W", "2", "-M", "do", "-s", String((driver === "wireguard" ? 1420 : 1450) - 28), address]);
    }
    const sink = gatewayLab().exec("c2/gateway-e2e/echo", ["sh", "-c", "timeout 60 socat -u TCP-LISTEN:9000,reuseaddr STDOUT | wc -c"], { timeoutMs: 70_000 });
    await waitFor("the sink to listen", async () => ((await gatewayLab().exec("c2/gateway-e2e/echo", ["ss", "-ltnH", "sport = :9000"])).trim() === "" ? undefined : true), { timeoutMs: 20_000, intervalMs: 100 });
    await gatewayLab().exec("c1/gateway-e2e/client", ["sh", "-c", `head -c 52428800 /dev/zero | timeout 60 socat -u STDIN TCP:${address}:9000`], { timeoutMs: 70_000 });
    const out = await sink;
    expect(out.trim()).toBe("52428800");
  }, 120_000);

  if (driver === "wireguard") {
    it("runs the pinned wireguard-go in every gateway (the lab's build of pins.ts, not Debian's)", async () => {
      const pinned = (await labBinaries()).wireguardGo;
      const daemons: string[] = [];
      for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
        const argv: string[] = await readFile(`/proc/${pid}/cmdline`, "utf8").then((t) => t.split("\0"), () => []);
        if (argv.includes("-f") && argv.includes(defaults.wireguardDevice)) daemons.push(await readlink(`/proc/${pid}/exe`).catch(() => "(gone)"));
      }
      // One per cluster's active gateway at least; every one of them the pinned build.
      expect(daemons.length).toBeGreaterThanOrEqual(2);
      expect(new Set(daemons)).toEqual(new Set([pinned]));
    });

    it("puts only UDP to the WireGuard port on the WAN (IPv4), no payload in clear", async () => {
      const capture = join(gatewayLab().dir, "wan.txt");
      const marker = "isthmus-cleartext-marker";
      const dump = gatewayLab().exec(`c1/c1-n1`, ["sh", "-c", `timeout 4 tcpdump -n -i wan0 -A -c 400 ip > ${capture} 2>/dev/null; true`], { timeoutMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (let i = 0; i < 5; i++) await echoFrom(gatewayLab(), "c1", `http://${await podIp(gatewayLab(), "c2", "echo")}:8080/${marker}`);
      await dump;
      const lines = (await gatewayLab().exec(`c1/c1-n1`, ["cat", capture])).split("\n").filter((l) => /^\d\d:\d\d/.test(l));
      expect(lines.length).toBeGreaterThan(0);
      const other = lines.filter((l) => !l.includes(`.${defaults.wireguardPort}:`) || !l.includes("UDP"));
      // The broker connection (gRPC over TLS to the broker's WAN address) also uses the WAN.
      expect(other.filter((l) => !l.includes(`.${defaults.brokerGrpcPort}`))).toEqual([]);
      expect(await gatewayLab().exec(`c1/c1-n1`, ["cat", capture])).not.toContain(marker);
    });
  }

  if (driver === "vxlan") {
    // Last of the suite (the uninstall below does not need c2 joined): issue #22's removal.
    it("withdraws c2's routes on every c1 node once c2 is removed at the broker (evicted: its certificate revoked, its records deleted)", async () => {
      const c2 = gatewayLab().plan.clusters.find((c) => c.id === "c2");
      if (c2 === undefined) throw new Error("the lab has no c2");
      const routed = async (node: string): Promise<boolean> => (await gatewayLab().exec(`c1/${node}`, ["ip", "route", "show", c2.podCidr])).trim() !== "";
      for (const node of ["c1-n1", "c1-n2"]) expect(await routed(node)).toBe(true);
      const removedAt = performance.now();
      await gatewayLab().admin.evictCluster({ id: "c2" });
      const withdrawn: Record<string, number> = {};
      for (const node of ["c1-n1", "c1-n2"]) {
        await waitFor(`${node} to withdraw the route to ${c2.podCidr}`, async () => ((await routed(node)) ? undefined : true), { timeoutMs: 15_000, intervalMs: 50 });
        withdrawn[node] = Math.round(performance.now() - removedAt);
      }
      // The 2 s of the issue is a measured figure (closing note), not a timed assertion.
      console.log(`removal: c2's route withdrawn after ${JSON.stringify(withdrawn)} ms (gateway node, route-agent node)`);
      await expect(echoFrom(gatewayLab(), "c1", `http://${await podIp(gatewayLab(), "c2", "echo")}:8080/removed`, 1000)).rejects.toThrow(/failed/);
    });
  }

  it("removes every device, route and nft table on uninstall", async () => {
    expect(await gatewayLab().undeploy()).toEqual([]);
  });
});

