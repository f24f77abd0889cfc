/**
 * `isthmus lab up` with every topology flag, as a user types it, on a lab of its own (names,
 * state and host ports apart from the shared lab): `--clusters 3 --nodes 1 --nat c3 --overlap
 * c1,c2` makes three clusters, c1 and c2 with identical CIDRs, c3's gateway node behind a NAT
 * router; bad flags are refused before anything is made.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { LabStatus } from "@isthmus/lab";
import { runCommand } from "@isthmus/lab/testing";
import { ownLab } from "./own-lab.js";

const lab = ownLab("labt", 16460);
const isthmus = lab.isthmus;

async function namespacesOfThisLab(): Promise<string[]> {
  const { stdout } = await runCommand(["ip", "netns", "list"]);
  return stdout.split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) => n.startsWith(lab.location.namePrefix));
}

async function nothingMade(): Promise<void> {
  expect(await namespacesOfThisLab()).toEqual([]);
  expect((await lab.leftovers()).files).toEqual([]);
}

describe("lab up topology flags", () => {
  afterAll(async () => {
    const down = await isthmus(["lab", "down"], 120_000);
    expect(down.code, down.stderr).toBe(0);
    expect(await lab.leftovers()).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
  });

  it.each([
    [["--clusters", "9"], "--clusters must be a whole number from 1 to 4"],
    [["--clusters", "3", "--nat", "c4"], '--nat: "c4" is not a cluster of this lab: clusters are c1, c2, c3'],
    [["--overlap", "c1,c3"], '--overlap: "c3" is not a cluster of this lab: clusters are c1, c2'],
    [["--overlap", "c1"], "--overlap needs at least two clusters"],
  ])("refuses lab up %j with a usage error before anything is made", async (flags, message) => {
    const run = await isthmus(["lab", "up", ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    await nothingMade();
  });

  it("brings up --clusters 3 --nodes 1 --nat c3 --overlap c1,c2: c1 and c2 share CIDRs, c3 reaches the WAN through its NAT router", async () => {
    const up = await isthmus(["lab", "up", "--clusters", "3", "--nodes", "1", "--nat", "c3", "--overlap", "c1,c2"], 900_000);
    expect(up.code, up.stderr).toBe(0);
    process.stderr.write(`[topology] ${up.stdout.trim()}\n`);
    const status = JSON.parse((await isthmus(["lab", "status", "-o", "json"])).stdout) as LabStatus;
    expect(status.clusters.map((c) => [c.id, c.podCidr, c.serviceCidr, c.nodes.length, c.nodes.every((n) => n.ready)])).toEqual([
      ["c1", "10.1.0.0/16", "10.101.0.0/16", 1, true],
      ["c2", "10.1.0.0/16", "10.101.0.0/16", 1, true],
      ["c3", "10.3.0.0/16", "10.103.0.0/16", 1, true],
    ]);
    expect(await namespacesOfThisLab()).toContain(`${lab.location.namePrefix}c3-nat`);
    // c3's gateway node sits on the NAT's inside network and still reaches c1's gateway on the WAN.
    const addr = await isthmus(["lab", "exec", "c3/n1", "--", "ip", "-4", "-o", "addr", "show", "wan0"]);
    expect(addr.stdout).toContain("198.19.3.11/24");
    const ping = await isthmus(["lab", "exec", "c3/n1", "--", "ping", "-c", "1", "-W", "2", "203.0.113.11"]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    // Nothing on the WAN reaches the inside address: the NAT only lets c3 out.
    const inbound = await isthmus(["lab", "exec", "c1/n1", "--", "ping", "-c", "1", "-W", "1", "198.19.3.11"]);
    expect(inbound.code).not.toBe(0);
  });
});
