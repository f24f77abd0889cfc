import { readFile } from "node:fs/promises";
import { createAdminClient, createBrokerClient, joinBroker, type AdminClient, type BrokerClient } from "@isthmus/core/brokerapi";
import { globalSpecFields } from "@isthmus/core/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../command.js";
import { runCli, startLocalBroker, type LocalBroker } from "../testing/local-broker.js";
import { decideGlobal, parseGlobalFlags, type GlobalFlag } from "./global.js";

// What `isthmus join` decides about global addressing, against a real broker's registry, and
// what the gateway's publish of that decision gets from the broker (the join's remaining steps
// need a cluster; the lab suites run them).

let local: LocalBroker;
let admin: AdminClient;
let conn: { address: string; caPem: string };
const clients: BrokerClient[] = [];
beforeAll(async () => {
  local = await startLocalBroker({ dashboard: false });
  const file = JSON.parse(await readFile(local.adminFile, "utf8")) as { address: string; caPem: string; certPem: string; keyPem: string };
  conn = { address: file.address, caPem: file.caPem };
  admin = createAdminClient({ ...file, serverName: "localhost" });
});
afterAll(async () => {
  for (const c of clients) c.close();
  admin.close();
  await local.stop();
});

/** A cluster's agent: joins with a token and returns its broker client (what the gateway holds). */
async function agent(clusterId: string): Promise<BrokerClient> {
  const { token } = await admin.createToken({ ttlSeconds: 600, maxUses: 1, description: clusterId });
  const creds = await joinBroker({ ...conn, serverName: "localhost", token, clusterId });
  const client = createBrokerClient({ ...conn, serverName: "localhost", certPem: creds.certPem, keyPem: creds.keyPem });
  clients.push(client);
  return client;
}

/** What join decides for `id` with `cidrs`, asking the broker's registry as join does. */
async function decide(id: string, cidrs: { podCidrs: string[]; serviceCidrs: string[] }, flag: GlobalFlag) {
  const [{ clusters }, info] = await Promise.all([admin.listClusters({}), admin.getBrokerInfo({})]);
  return decideGlobal({ mine: { id, ...cidrs }, clusters, pool: info.globalCidrPool ?? "", flag });
}

const same = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"] };
const unique = { podCidrs: ["10.30.0.0/16"], serviceCidrs: ["10.31.0.0/16"] };

describe("join's global addressing decision", () => {
  it("turns global addressing on for an overlapping cluster with one line saying why; show lists the blocks", async () => {
    const c1 = await agent("c1");
    expect(await decide("c1", same, undefined)).toEqual({ request: undefined, line: undefined });
    await c1.publish({ kind: "cluster", spec: same });

    const c2 = await decide("c2", same, undefined);
    expect(c2.request).toEqual({ kind: "auto" });
    expect(c2.line).toBe('global addressing on: its pod CIDR 10.244.0.0/16 overlaps pod CIDR 10.244.0.0/16 of cluster "c1", so "c2" gets a block of 242.0.0.0/8 ("c1" gets one too)');
    // --no-global refuses, naming the cluster and the CIDRs.
    await expect(decide("c2", same, "off")).rejects.toThrow('Cannot join "c2" without global addressing (--no-global): its pod CIDR 10.244.0.0/16 overlaps pod CIDR 10.244.0.0/16 of cluster "c1"');
    // The gateway publishes what join decided: the broker gives c2 a block and c1 one too.
    const out = await (await agent("c2")).publish({ kind: "cluster", spec: { ...same, ...globalSpecFields(c2.request) } });
    expect(out.globalCidr).toBe("242.0.0.0/16");

    // A cluster with its own CIDRs needs no block; forced, it gets one of the size it asks for.
    expect(await decide("c3", unique, undefined)).toEqual({ request: undefined, line: undefined });
    const forced = await decide("c3", unique, parseGlobalFlags("/20", false));
    expect(forced.line).toBe('global addressing on (--global-cidr /20): "c3" gets a block of 242.0.0.0/8');
    expect((await (await agent("c3")).publish({ kind: "cluster", spec: { ...unique, ...globalSpecFields(forced.request) } })).globalCidr).toBe("242.2.0.0/20");

    const shown = await runCli(["show", "clusters", "--broker-admin", local.adminFile, "-o", "json"]);
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout) as { id: string; globalCidr?: string }[]).map((c) => [c.id, c.globalCidr])).toEqual([
      ["c1", "242.1.0.0/16"],
      ["c2", "242.0.0.0/16"],
      ["c3", "242.2.0.0/20"],
    ]);
    const table = await runCli(["show", "clusters", "--broker-admin", local.adminFile]);
    expect(table.stdout).toMatch(/c2\s+10\.244\.0\.0\/16\s+10\.96\.0\.0\/12\s+242\.0\.0\.0\/16/);

    // A rejoin keeps the block; asking for another is refused before anything is installed.
    expect(await decide("c2", same, undefined)).toEqual({ request: { kind: "block", cidr: "242.0.0.0/16" }, line: 'global addressing stays on: "c2" holds the global block 242.0.0.0/16' });
    await expect(decide("c2", same, parseGlobalFlags("242.9.0.0/16", false))).rejects.toThrow("it holds the global block 242.0.0.0/16 until it is removed");
  });

  it("refuses, before installing, what the broker would refuse", async () => {
    await expect(decide("c4", same, parseGlobalFlags("242.0.0.0/16", false))).rejects.toThrow('cluster "c2" holds 242.0.0.0/16');
    await expect(decide("c4", same, parseGlobalFlags("10.0.0.0/16", false))).rejects.toThrow("outside the broker's global range 242.0.0.0/8");
    await expect(decide("c4", { podCidrs: ["242.1.4.0/24"], serviceCidrs: ["10.40.0.0/16"] }, undefined)).rejects.toThrow('overlaps the global block 242.1.0.0/16 of cluster "c1"');
    await expect(decide("c4", same, "off")).rejects.toMatchObject({ code: "Failed" });
    expect(() => parseGlobalFlags("242.0.0.0/16", true)).toThrow(CliError);
    expect(() => parseGlobalFlags("lots", false)).toThrow(/--global-cidr "lots" must be "auto", a prefix length such as \/16, or a CIDR/);
    // What the CLI lets through the broker still checks: two clusters asking for one block.
    const c5 = await agent("c5");
    await expect(c5.publish({ kind: "cluster", spec: { podCidrs: ["10.50.0.0/16"], serviceCidrs: ["10.51.0.0/16"], globalCidr: "242.0.0.0/16" } })).rejects.toMatchObject({ grpcCode: 6 });
  });

  it("frees the block when the cluster is removed; a new join never gets one in use", async () => {
    const removed = await runCli(["broker", "remove-cluster", "c3", "--broker-admin", local.adminFile]);
    expect(removed.code).toBe(0);
    const c6 = await (await agent("c6")).publish({ kind: "cluster", spec: { podCidrs: ["10.60.0.0/16"], serviceCidrs: ["10.61.0.0/16"], global: true } });
    const { clusters } = await admin.listClusters({});
    const held = clusters.filter((c) => c.id !== "c6").map((c) => c.globalCidr);
    expect(held).not.toContain(c6.globalCidr);
    expect(c6.globalCidr).toBe("242.2.0.0/16");
  });
});
