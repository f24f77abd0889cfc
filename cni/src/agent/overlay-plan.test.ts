import { parseCidr, parseIp } from "@isthmus/core";
import { describe, expect, it } from "vitest";
import { planOverlay, vtepMac } from "./overlay-plan.js";

const peer = (n: number, ip = `198.18.1.${10 + n}`) => ({ name: `n${n}`, podCidr: parseCidr(`10.1.${n}.0/24`), nodeIp: parseIp(ip) });
const empty = { routes: new Map<string, string>(), neighbours: new Map<string, string>(), fdb: new Map<string, string>() };

describe("planOverlay", () => {
  it("derives the VTEP MAC from the node address", () => {
    expect(vtepMac(parseIp("198.18.1.12"))).toBe("0a:15:c6:12:01:0c");
  });

  it("adds neighbour, FDB and route for a new peer", () => {
    const plan = planOverlay("isthmus.1", empty, [peer(2)]);
    expect(plan.bridgeScript).toBe("fdb replace 0a:15:c6:12:01:0c dev isthmus.1 dst 198.18.1.12 self permanent\n");
    expect(plan.ipScript).toBe(
      "neigh replace 10.1.2.0 lladdr 0a:15:c6:12:01:0c dev isthmus.1 nud permanent\nroute replace 10.1.2.0/24 via 10.1.2.0 dev isthmus.1 onlink\n",
    );
  });

  it("changes nothing when the kernel already matches (restart adoption)", () => {
    const current = {
      routes: new Map([["10.1.2.0/24", "10.1.2.0"]]),
      neighbours: new Map([["10.1.2.0", "0a:15:c6:12:01:0c"]]),
      fdb: new Map([["0a:15:c6:12:01:0c", "198.18.1.12"]]),
    };
    expect(planOverlay("isthmus.1", current, [peer(2)])).toEqual({ ipScript: "", bridgeScript: "", changes: [] });
  });

  it("moves a peer whose address changed and removes a departed one", () => {
    const current = {
      routes: new Map([["10.1.2.0/24", "10.1.2.0"], ["10.1.3.0/24", "10.1.3.0"]]),
      neighbours: new Map([["10.1.2.0", "0a:15:c6:12:01:0c"], ["10.1.3.0", "0a:15:c6:12:01:0d"]]),
      fdb: new Map([["0a:15:c6:12:01:0c", "198.18.1.12"], ["0a:15:c6:12:01:0d", "198.18.1.13"]]),
    };
    const plan = planOverlay("isthmus.1", current, [peer(2, "198.18.1.22")]);
    expect(plan.changes).toEqual([
      "neighbour 10.1.2.0 -> 0a:15:c6:12:01:16",
      "fdb 0a:15:c6:12:01:16 -> 198.18.1.22",
      "remove route 10.1.3.0/24",
      "remove neighbour 10.1.3.0",
      "remove fdb 0a:15:c6:12:01:0c",
      "remove fdb 0a:15:c6:12:01:0d",
    ]);
    expect(plan.ipScript).not.toContain("route replace");
  });
});
