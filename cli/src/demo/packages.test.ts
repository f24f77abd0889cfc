import { describe, expect, it } from "vitest";
import { installPlan, isInstalledStatus, parsePackageList, requiredPackages } from "./packages.js";

describe("the demo's Debian packages", () => {
  it("reads the list with comments and blank lines", () => {
    expect(parsePackageList("iproute2\n# a comment\n\nsocat  # relay\n")).toEqual(["iproute2", "socat"]);
  });

  it("uses .ci/debian-packages, the list CI installs", async () => {
    expect(await requiredPackages()).toEqual(expect.arrayContaining(["iproute2", "nftables", "socat", "iperf3"]));
  });

  it("counts only fully installed packages as installed", () => {
    expect(isInstalledStatus("install ok installed")).toBe(true);
    expect(isInstalledStatus("deinstall ok config-files")).toBe(false);
    expect(isInstalledStatus("")).toBe(false);
  });

  it("updates, then installs exactly the missing packages without recommends; nothing when none are missing", () => {
    expect(installPlan(["iperf3", "socat"]).map((s) => s.argv)).toEqual([
      ["apt-get", "update"],
      ["apt-get", "install", "-y", "--no-install-recommends", "iperf3", "socat"],
    ]);
    expect(installPlan([])).toEqual([]);
  });
});
