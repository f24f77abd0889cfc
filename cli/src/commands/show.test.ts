import { readFile } from "node:fs/promises";
import { createAdminClient, createBrokerClient, joinBroker, type BrokerClient } from "@isthmus/core/brokerapi";
import type { ServiceExport } from "@isthmus/core/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startLocalBroker, type LocalBroker } from "../testing/local-broker.js";

// `isthmus show clusters|exports` of clusters with global blocks (issue #15, ADR 0206), against
// a real broker on loopback.

let local: LocalBroker;
const clients: BrokerClient[] = [];
beforeAll(async () => {
  local = await startLocalBroker({ dashboard: false });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await local.stop();
});

async function member(clusterId: string): Promise<BrokerClient> {
  const conn = JSON.parse(await readFile(local.adminFile, "utf8")) as { address: string; caPem: string; certPem: string; keyPem: string };
  const admin = createAdminClient({ ...conn, serverName: "localhost" });
  const { token } = await admin.createToken({ ttlSeconds: 600, maxUses: 1, description: clusterId });
  admin.close();
  const creds = await joinBroker({ address: conn.address, caPem: conn.caPem, serverName: "localhost", token, clusterId });
  const client = createBrokerClient({ address: conn.address, caPem: conn.caPem, serverName: "localhost", certPem: creds.certPem, keyPem: creds.keyPem });
  clients.push(client);
  return client;
}

const same = { podCidrs: ["10.244.0.0/16"], serviceCidrs: ["10.96.0.0/12"], labels: {} };
const t0 = "2025-01-31T12:00:00.000Z";
const web = (clusterId: string): ServiceExport => ({ clusterId, namespace: "default", name: "web", type: "ClusterSetIP", ports: [{ port: 80, protocol: "TCP" }], clusterIp: "10.96.0.10", createdAt: t0 });

describe("isthmus show with global addresses", () => {
  beforeAll(async () => {
    const a = await member("ga");
    const b = await member("gb");
    await a.publish({ kind: "cluster", spec: same });
    // gb overlaps ga and asks for global addressing: both get a block in one commit.
    await b.publish({ kind: "cluster", spec: { ...same, global: true } });
    const c = await member("gc");
    await c.publish({ kind: "cluster", spec: { podCidrs: ["10.3.0.0/16"], serviceCidrs: ["10.4.0.0/16"], labels: {} } });
    await c.publish({ kind: "export", records: [{ clusterId: "gc", namespace: "default", name: "db", type: "Headless", ports: [{ port: 5432, protocol: "TCP" }], createdAt: t0, endpoints: [{ addresses: ["10.3.1.7"], ready: true }] }] });
    await a.publish({ kind: "export", records: [web("ga")] });
    await b.publish({ kind: "export", records: [web("gb"), { clusterId: "gb", namespace: "default", name: "db", type: "Headless", ports: [{ port: 5432, protocol: "TCP" }], createdAt: t0, endpoints: [{ addresses: ["10.244.1.7"], hostname: "db-0", ready: true }, { addresses: ["10.244.2.8"], hostname: "db-1", ready: true }] }] });
  });

  it("shows each cluster's global block (table and JSON)", async () => {
    const json = await runCli(["show", "clusters", "--broker-admin", local.adminFile, "-o", "json"]);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { id: string; globalCidr?: string }[];
    expect(rows.map((r) => [r.id, r.globalCidr])).toEqual([["ga", "242.1.0.0/16"], ["gb", "242.0.0.0/16"], ["gc", undefined]]);
    const table = await runCli(["show", "clusters", "--broker-admin", local.adminFile]);
    expect(table.stdout).toMatch(/GLOBAL-CIDR/);
    expect(table.stdout).toMatch(/ga\s+10\.244\.0\.0\/16\s+10\.96\.0\.0\/12\s+242\.1\.0\.0\/16/);
  });

  it("shows each export's global IP, a headless export's per pod (table and JSON)", async () => {
    const json = await runCli(["show", "exports", "--broker-admin", local.adminFile, "-o", "json"]);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { cluster: string; name: string; clusterIp?: string; globalIp?: string | string[] }[];
    // A headless export's global IPs are its pods' (one each).
    expect(rows.map((r) => [r.cluster, r.name, r.clusterIp, r.globalIp])).toEqual([["ga", "web", "10.96.0.10", "242.1.0.2"], ["gb", "db", undefined, ["242.0.0.3", "242.0.0.4"]], ["gb", "web", "10.96.0.10", "242.0.0.2"], ["gc", "db", undefined, undefined]]);
    const table = await runCli(["show", "exports", "--broker-admin", local.adminFile]);
    expect(table.stdout).toMatch(/CLUSTER-IP\s+GLOBAL-IP/);
    expect(table.stdout).toMatch(/gb\s+default\s+web\s+ClusterSetIP\s+10\.96\.0\.10\s+242\.0\.0\.2\s+80\/TCP/);
    // Without a block: no global IPs at all (not an empty list).
    expect(table.stdout).toMatch(/gc\s+default\s+db\s+Headless\s+-\s+-\s+5432\/TCP/);
    expect(table.stdout).toMatch(/gb\s+default\s+db\s+Headless\s+-\s+242\.0\.0\.3,242\.0\.0\.4\s+5432\/TCP/);
  });

  it("shows each cluster's GlobalEgressIPs with the global IP or why there is none (table and JSON)", async () => {
    const b = clients[1];
    const c = clients[2];
    if (b === undefined || c === undefined) throw new Error("members missing");
    await b.publish({ kind: "cluster", spec: { ...same, globalEgress: [{ namespace: "shop", name: "all" }] } });
    await c.publish({ kind: "cluster", spec: { podCidrs: ["10.3.0.0/16"], serviceCidrs: ["10.4.0.0/16"], labels: {}, globalEgress: [{ namespace: "blog", name: "web" }] } });
    const json = await runCli(["show", "global-egress", "--broker-admin", local.adminFile, "-o", "json"]);
    expect(json.code).toBe(0);
    // gb's exports hold .2 to .4: the GlobalEgressIP gets the next address of the block.
    expect(JSON.parse(json.stdout)).toEqual([
      { cluster: "gb", namespace: "shop", name: "all", globalIp: "242.0.0.5", state: "allocated" },
      { cluster: "gc", namespace: "blog", name: "web", state: "no global block" },
    ]);
    const table = await runCli(["show", "global-egress", "--broker-admin", local.adminFile]);
    expect(table.stdout).toMatch(/CLUSTER\s+NAMESPACE\s+NAME\s+GLOBAL-IP\s+STATE/);
    expect(table.stdout).toMatch(/gc\s+blog\s+web\s+-\s+no global block/);
  });
});
