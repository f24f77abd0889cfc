/**
 * Gateway failover, broker outage and WAN flaps on the shared lab, with the real agents: c1 has
 * two gateway candidates (node 2 gets a WAN link and the label here), c2 one. A UDP probe from
 * c2's client pod to c1's echo pod every 20 ms measures the loss window of each fault.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaults } from "@isthmus/core/constants";
import type { ClusterPlan } from "@isthmus/lab";
import { runCommand, waitFor } from "@isthmus/lab/testing";
import { addStandby, gatewayStatus, leaseHolder, probeLoss, removeStandby, waitForStandby, type LossReport } from "./failover.js";
import { startGatewayLab, type GatewayLab } from "./fixture.js";
import { deployWorkloads, podIp, waitForPath } from "./workloads.js";

let lab: GatewayLab | undefined;
const gatewayLab = (): GatewayLab => {
  if (lab === undefined) throw new Error("the gateway lab did not start");
  return lab;
};
const c1 = (): ClusterPlan => {
  const plan = gatewayLab().plan.clusters[0];
  if (plan === undefined) throw new Error("no c1 in the lab plan");
  return plan;
};
const candidates = ["c1-n1", "c1-n2"];
const other = (node: string): string => candidates.find((c) => c !== node) ?? "";
const report = (what: string, r: LossReport): void => {
  process.stderr.write(`[gateway failover] ${what}: sent ${r.sent}, answered ${r.answered}, loss window ${r.maxGapMs} ms\n`);
};

const waitForStandbyReady = (): Promise<string> => waitForStandby(gatewayLab(), candidates);

beforeAll(async () => {
  lab = await startGatewayLab();
  await deployWorkloads(gatewayLab(), ["c1", "c2"]);
  await addStandby(gatewayLab(), c1());
}, 300_000);

afterAll(async () => {
  if (lab !== undefined) await removeStandby(lab, c1());
  await lab?.stop();
});

/** Takes the active gateway's WAN link down under a 20 ms probe from c2; traffic must resume through the standby, which takes the Lease. */
async function expectFailoverOnWanDown(label: string): Promise<void> {
  const active = await waitForStandbyReady();
  const node = `c1/${active}`;
  try {
    const result = await probeLoss(gatewayLab(), "c2", {
      targetIp: await podIp(gatewayLab(), "c1", "echo"), intervalMs: 20, durationMs: 8000, tail: 50,
      during: async () => { await gatewayLab().exec(node, ["ip", "link", "set", "wan0", "down"]); },
    });
    report(label, result);
    expect(result.tailAnswered).toBeGreaterThanOrEqual(49);
    expect(result.maxGapMs).toBeLessThan(3000);
    expect(await leaseHolder(gatewayLab(), "c1")).toBe(other(active));
  } finally {
    await gatewayLab().exec(node, ["ip", "link", "set", "wan0", "up"]);
  }
}

describe("failover between c1's two gateway candidates (wireguard)", () => {
  beforeAll(async () => {
    await gatewayLab().deploy("wireguard");
  });

  it("takes the active gateway's WAN link down: traffic resumes through the standby, which takes the Lease", async () => {
    await expectFailoverOnWanDown("WAN link of the active gateway down");
  });

  it("deletes the active gateway's pod (SIGTERM releases the Lease): the standby takes over", async () => {
    const active = await waitForStandbyReady();
    const pods = await gatewayLab().kubectl("c1", ["-n", defaults.namespace, "get", "pods", "-l", "app.kubernetes.io/name=isthmus-gateway", "--field-selector", `spec.nodeName=${active}`, "-o", "name"]);
    const result = await probeLoss(gatewayLab(), "c2", {
      targetIp: await podIp(gatewayLab(), "c1", "echo"), intervalMs: 20, durationMs: 8000, tail: 50,
      during: async () => { await gatewayLab().kubectl("c1", ["-n", defaults.namespace, "delete", "--wait=false", pods.trim()]); },
    });
    report("active gateway pod deleted", result);
    expect(result.tailAnswered).toBeGreaterThanOrEqual(49);
    expect(result.maxGapMs).toBeLessThan(3000);
    expect(await leaseHolder(gatewayLab(), "c1")).toBe(other(active));
  });

  it("kills the active gateway process: the data plane keeps running and the restarted agent adopts it", async () => {
    const active = await waitForStandbyReady();
    const result = await probeLoss(gatewayLab(), "c2", {
      targetIp: await podIp(gatewayLab(), "c1", "echo"), intervalMs: 20, durationMs: 6000, tail: 50,
      during: async () => {
        const netns = c1().nodes.find((n) => n.name === active)?.netns ?? "";
        await runCommand(["sh", "-c", `for p in $(ip netns pids ${netns}); do tr '\\0' ' ' < /proc/$p/cmdline | grep -q 'gateway/dist/main.js' && kill -9 $p; done; true`]);
      },
    });
    report("active gateway process killed", result);
    expect(result.tailAnswered).toBeGreaterThanOrEqual(49);
    expect(result.maxGapMs).toBeLessThan(1000);
    // The kubelet restarts the agent after its back-off; until then the Lease may still expire
    // and move. Wait for the restarted agent before the next case.
    await waitFor(`the restarted gateway on ${active}`, async () => {
      const out = await gatewayLab().kubectl("c1", ["-n", defaults.namespace, "get", "pods", "-l", "app.kubernetes.io/name=isthmus-gateway", "--field-selector", `spec.nodeName=${active}`, "-o", "jsonpath={.items[0].status.containerStatuses[0].restartCount} {.items[0].status.containerStatuses[0].ready}"]);
      const [restarts, ready] = out.trim().split(" ");
      return (Number(restarts) > 0 && ready === "true") || undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    await waitForStandbyReady();
  }, 300_000);

  it("keeps traffic flowing while the broker is stopped for a minute, and resyncs without a flap when it is back", async () => {
    await waitForStandbyReady();
    const result = await probeLoss(gatewayLab(), "c2", {
      targetIp: await podIp(gatewayLab(), "c1", "echo"), intervalMs: 20, durationMs: 66_000, tail: 50,
      during: async () => {
        await gatewayLab().stopBroker();
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        await gatewayLab().startBroker();
      },
    });
    report("broker stopped for 60 s and restarted", result);
    expect(result.tailAnswered).toBeGreaterThanOrEqual(49);
    expect(result.maxGapMs).toBeLessThan(1000);
  }, 300_000);

  it("turns the connection to error while c2's WAN link is down, and back to connected when it is up", async () => {
    const active = await waitForStandbyReady();
    await waitFor("c1 -> c2 connected", async () => ((await gatewayStatus(gatewayLab(), "c1", active))?.connections.find((c) => c.cluster === "c2")?.status === "connected") || undefined, { timeoutMs: 30_000, intervalMs: 250 });
    await gatewayLab().exec("c2/c2-n1", ["ip", "link", "set", "wan0", "down"]);
    const down = performance.now();
    try {
      await waitFor("c1 -> c2 error", async () => ((await gatewayStatus(gatewayLab(), "c1", active))?.connections.find((c) => c.cluster === "c2")?.status === "error") || undefined, { timeoutMs: 10_000, intervalMs: 100 });
      process.stderr.write(`[gateway failover] c1 status error ${Math.round(performance.now() - down)} ms after c2's WAN went down\n`);
    } finally {
      await gatewayLab().exec("c2/c2-n1", ["ip", "link", "set", "wan0", "up"]);
    }
    const up = performance.now();
    await waitFor("c1 -> c2 connected again", async () => ((await gatewayStatus(gatewayLab(), "c1", active))?.connections.find((c) => c.cluster === "c2")?.status === "connected") || undefined, { timeoutMs: 30_000, intervalMs: 100 });
    process.stderr.write(`[gateway failover] c1 status connected ${Math.round(performance.now() - up)} ms after c2's WAN came back\n`);
    await waitForPath(gatewayLab(), "c1", "c2");
  });
});

describe("failover between c1's two gateway candidates (vxlan)", () => {
  beforeAll(async () => {
    await gatewayLab().undeploy();
    await gatewayLab().deploy("vxlan");
  });

  it("takes the active gateway's WAN link down: traffic resumes through the standby, which takes the Lease", async () => {
    await expectFailoverOnWanDown("vxlan: WAN link of the active gateway down");
  });

});
