import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Cluster } from "@isthmus/core/model";
import { overlaps, parseCidr } from "@isthmus/core/net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "./catalog.js";
import { createSqliteStore } from "./store/sqlite.js";
import { startTestBroker } from "./testing/harness.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-globalnet-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pool = { pool: parseCidr("242.0.0.0/8"), prefix: 16 };
// Every cluster uses the same overlapping CIDRs: Globalnet is what makes that work.
const spec = { podCidrs: ["10.0.0.0/16"], serviceCidrs: ["10.96.0.0/16"] };

describe("global CIDR allocation", () => {
  it("gives 200 overlapping clusters unique /16s, stable across a restart, never handed out twice", async () => {
    const path = join(dir, "g.db");
    const ids = Array.from({ length: 200 }, (_, i) => `cluster-${i}`);
    let store = createSqliteStore({ path });
    let catalog = createCatalog({ store, globalPool: pool });
    const first = new Map<string, string>();
    for (const id of ids) {
      const out = await catalog.publish(id, { kind: "cluster", spec });
      first.set(id, out.globalCidr ?? "");
    }
    const cidrs = [...first.values()];
    expect(new Set(cidrs).size).toBe(200);
    for (const c of cidrs) expect(parseCidr(c).prefix).toBe(16);
    const parsed = cidrs.map(parseCidr);
    for (let i = 0; i < parsed.length; i++) {
      for (let j = i + 1; j < parsed.length; j++) expect(overlaps(parsed[i]!, parsed[j]!)).toBe(false);
    }
    // Evict one: its CIDR stays reserved.
    await catalog.evict("cluster-7");
    await store.close();

    store = createSqliteStore({ path });
    catalog = createCatalog({ store, globalPool: pool });
    for (const id of ids.filter((x) => x !== "cluster-7")) {
      const out = await catalog.publish(id, { kind: "cluster", spec });
      expect(out.globalCidr).toBe(first.get(id));
    }
    const rejoined = await catalog.publish("cluster-7", { kind: "cluster", spec });
    expect(rejoined.globalCidr).toBe(first.get("cluster-7"));
    const fresh = await catalog.publish("newcomer", { kind: "cluster", spec });
    expect(cidrs).not.toContain(fresh.globalCidr);
    const stored = (await store.snapshot(["cluster"])).records.map((r) => r.value as Cluster);
    expect(stored.find((c) => c.id === "cluster-42")?.globalCidr).toBe(first.get("cluster-42"));
    await store.close();
  });

  it("reports an exhausted pool", async () => {
    const store = createSqliteStore({ path: join(dir, "small.db") });
    const catalog = createCatalog({ store, globalPool: { pool: parseCidr("242.0.0.0/15"), prefix: 16 } });
    await catalog.publish("a", { kind: "cluster", spec });
    await catalog.publish("b", { kind: "cluster", spec });
    await expect(catalog.publish("c", { kind: "cluster", spec })).rejects.toMatchObject({ code: "Exhausted" });
    await store.close();
  });

  it("returns the global CIDR over gRPC when the broker runs with a pool", async () => {
    const tb = await startTestBroker({ globalnet: true });
    try {
      const a = tb.client(await tb.join("ga"));
      const b = tb.client(await tb.join("gb"));
      const ra = await a.publish({ kind: "cluster", spec });
      const rb = await b.publish({ kind: "cluster", spec });
      expect(ra.globalCidr).toBe("242.0.0.0/16");
      expect(rb.globalCidr).toBe("242.1.0.0/16");
      expect((await tb.admin.getBrokerInfo({})).globalCidrPool).toBe("242.0.0.0/8");
    } finally {
      await tb.stop({ remove: true });
    }
  });
});
