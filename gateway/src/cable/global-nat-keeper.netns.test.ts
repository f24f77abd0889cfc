import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../system/command.js";
import { createIpTool, type IpTool } from "../system/ip.js";
import { createNetnsLab, requireRoot, waitFor, type NetnsLab } from "../testing/netns.js";
import { createGlobalNatKeeper, type GlobalNatChange, type GlobalNatKeeper } from "./global-nat-keeper.js";
import { globalNatTable, listGlobalNat, renderGlobalNat, type GlobalNatSpec } from "./global-nat.js";

// The translation table changed behind the gateway's back, with real nftables in a namespace:
// the keeper re-checks the kernel every `recheckMs` (here 200 ms; the agent's default is 10 s),
// as the agent's timer does, and puts the table back, role comment included. A check that finds
// the table as it left it writes nothing.

let lab: NetnsLab;
let gw: string;
const spec: GlobalNatSpec = {
  device: "isthmus-t",
  localCidrs: ["10.244.0.0/16"],
  egressIp: "242.1.0.1",
  services: [{ globalIp: "242.1.0.2", ports: [{ protocol: "TCP", port: 80, backends: [{ ip: "10.244.1.5", port: 8080 }] }] }],
  pods: [{ globalIp: "242.1.0.3", podIp: "10.244.1.9" }],
};
const dnat = "ip daddr 242.1.0.2 tcp dport 80 dnat to 10.244.1.5:8080";
const snat = "snat to 242.1.0.1";

beforeAll(async () => {
  requireRoot();
  lab = createNetnsLab();
  gw = await lab.add("gw");
}, 60_000);
afterAll(async () => {
  await lab.cleanup();
});

/** The keeper over a tool that counts its writes, re-checking every 200 ms and programming `spec` as active on each (as the agent's reconcile would). */
function keeperOf(): { keeper: GlobalNatKeeper; writes: () => number; outcomes: GlobalNatChange[] } {
  const tool = createIpTool(gw);
  let writes = 0;
  const counting: IpTool = {
    ...tool,
    nft: (script) => {
      writes += 1;
      return tool.nft(script);
    },
  };
  const outcomes: GlobalNatChange[] = [];
  const keeper = createGlobalNatKeeper(counting, {
    recheckMs: 200,
    onRecheck: () => {
      void keeper.program(spec, "active").then((change) => outcomes.push(change));
    },
  });
  return { keeper, writes: () => writes, outcomes };
}

const nft = (script: string): Promise<string> => runTool("nft", ["-f", "-"], { netns: gw, input: script });
const listed = async (): Promise<string> => (await listGlobalNat(createIpTool(gw))) ?? "";
const complete = async (): Promise<boolean> => {
  const text = await listed();
  return text.includes('comment "active"') && text.includes(dnat) && text.includes(snat);
};

describe("the global NAT table changed behind the gateway's back", () => {
  it("writes once, and a re-check that finds the table as it left it writes nothing", async () => {
    const { keeper, writes, outcomes } = keeperOf();
    try {
      expect(await keeper.program(spec, "active")).toBe("written");
      expect(await keeper.program(spec, "active")).toBe("unchanged");
      expect(writes()).toBe(1);
      // Three re-checks pass (about 600 ms): each reads the table and finds it as written.
      await waitFor("three re-checks", () => Promise.resolve(outcomes.length >= 3), 10_000);
      expect(outcomes.every((o) => o === "unchanged")).toBe(true);
      expect(writes()).toBe(1);
      expect(await complete()).toBe(true);
    } finally {
      keeper.stop();
    }
  });

  it("puts the table back within the re-check when it is deleted, a chain is flushed, or it is rewritten under the other role", async () => {
    const { keeper, writes, outcomes } = keeperOf();
    const repaired = (n: number) => async (): Promise<boolean> => outcomes.filter((o) => o === "repaired").length === n && (await complete());
    try {
      await keeper.program(spec, "active");
      // Each change is made once the repair before it is complete (its read-back included).
      await runTool("nft", ["delete", "table", "ip", globalNatTable], { netns: gw });
      await waitFor("the deleted table back", repaired(1), 5_000);
      await runTool("nft", ["flush", "chain", "ip", globalNatTable, "prerouting"], { netns: gw });
      await waitFor("the flushed chain's DNAT rule back", repaired(2), 5_000);
      // Someone writes the table as a passive gateway's: the comment (the role a restarted agent reads) is put right too.
      await nft(renderGlobalNat(spec, "passive"));
      await waitFor("the table back under its role", repaired(3), 5_000);

      // Repaired, the next re-checks write nothing again.
      const after = writes();
      const seen = outcomes.length;
      await waitFor("two more re-checks", () => Promise.resolve(outcomes.length >= seen + 2), 10_000);
      expect(outcomes.slice(seen).every((o) => o === "unchanged")).toBe(true);
      expect(writes()).toBe(after);
    } finally {
      keeper.stop();
    }
  });

  it("checks nothing while it has written no table", async () => {
    const { keeper } = keeperOf();
    try {
      expect(await keeper.program(undefined, "active")).toBe("written");
      expect(await listGlobalNat(createIpTool(gw))).toBeUndefined();
      // The timer asks for a program call only when recheck() says there is something to check.
      expect(keeper.recheck()).toBe(false);
    } finally {
      keeper.stop();
    }
  });
});
