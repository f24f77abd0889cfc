import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectedMs, familyOf, formatEstimate, groupBuilds, makespanMs, readBuildTimes, recordBuildTime } from "./schedule.js";

describe("build schedule", () => {
  it("builds the binaries of one module together, modules in first-seen order", () => {
    const ids: Record<string, string> = { apiserver: "kubernetes-v1.34.4", etcd: "etcd-v3.6.16", kubectl: "kubernetes-v1.34.4" };
    expect(groupBuilds(["apiserver", "etcd", "kubectl"], (k) => ids[k] ?? "?")).toEqual([
      { id: "kubernetes-v1.34.4", keys: ["apiserver", "kubectl"] },
      { id: "etcd-v3.6.16", keys: ["etcd"] },
    ]);
  });

  it("estimates the wall time of builds on parallel workers", () => {
    expect(makespanMs([460, 60, 150, 15], 1)).toBe(685);
    expect(makespanMs([460, 60, 150, 15], 2)).toBe(460);
    expect(makespanMs([100, 100, 100], 2)).toBe(200);
    expect(makespanMs([], 2)).toBe(0);
  });

  it("expects this machine's last time of a build family, else the cold default", () => {
    expect(familyOf("wireguard-go-v0.0.0-20260522210424-ecfc5a8d5446")).toBe("wireguard-go");
    expect(expectedMs("kubernetes-v1.35.0", { kubernetes: 120 })).toBe(120_000);
    expect(expectedMs("kubernetes-v1.35.0", {})).toBe(460_000);
    expect(expectedMs("unknown-v1", {})).toBe(300_000);
  });

  it("says estimates in round numbers", () => {
    expect([5_000, 44_000, 89_000, 400_000].map(formatEstimate)).toEqual(["under 10 s", "about 40 s", "about 90 s", "about 7 min"]);
  });

  it("records build times per family and ignores a damaged record", async () => {
    const dir = await mkdtemp(join(tmpdir(), "isthmus-build-times-"));
    try {
      expect(await readBuildTimes(dir)).toEqual({});
      await recordBuildTime(dir, "etcd-v3.6.16", 58_400);
      await recordBuildTime(dir, "coredns-v1.14.7", 149_000);
      expect(await readBuildTimes(dir)).toEqual({ etcd: 58, coredns: 149 });
      await writeFile(join(dir, "build-times.json"), "{not json");
      expect(await readBuildTimes(dir)).toEqual({});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
