import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRecord, resolveOptions, writeRecord } from "./state.js";

describe("lab record", () => {
  it("reads back what it wrote", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "isthmus-lab-state-"));
    try {
      const record = { version: 2 as const, options: resolveOptions({ stateDir, clusters: 3, natClusters: ["c3"], overlap: ["c1", "c2"] }), createdAt: "2026-12-06T00:00:00.000Z", complete: true };
      await writeRecord(record);
      expect(await readRecord({ stateDir })).toEqual(record);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it("records one pod network when every cluster has it, else every cluster's, and reads a mixed one back", async () => {
    expect(resolveOptions({ podNetwork: { c1: "flannel", c2: "flannel" } }).podNetwork).toBe("flannel");
    expect(resolveOptions({ clusters: 3, podNetwork: { c2: "flannel" } }).podNetwork).toEqual({ c1: "isthmus", c2: "flannel", c3: "isthmus" });
    const stateDir = await mkdtemp(join(tmpdir(), "isthmus-lab-state-"));
    try {
      const record = { version: 2 as const, options: resolveOptions({ stateDir, clusters: 3, podNetwork: { c2: "flannel", c3: "reference" } }), createdAt: "2026-12-07T00:00:00.000Z", complete: true };
      await writeRecord(record);
      expect(await readRecord({ stateDir })).toEqual(record);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it("reads a record of the first version (one NAT cluster, overlap of all) as lists, so down still finds that lab", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "isthmus-lab-state-"));
    try {
      const options = { clusters: 3, nodesPerCluster: 2, overlap: true, natCluster: "c2", podNetwork: "isthmus", stateDir, namePrefix: "isthmus-lab-", localPortBase: 16440 };
      await writeFile(join(stateDir, "lab.json"), JSON.stringify({ version: 1, options, createdAt: "2026-12-01T00:00:00.000Z", complete: true }));
      const record = await readRecord({ stateDir });
      expect(record?.version).toBe(2);
      expect(record?.options).toEqual(resolveOptions({ clusters: 3, nodesPerCluster: 2, overlap: ["c1", "c2", "c3"], natClusters: ["c2"], podNetwork: "isthmus", stateDir, namePrefix: "isthmus-lab-", localPortBase: 16440 }));
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
