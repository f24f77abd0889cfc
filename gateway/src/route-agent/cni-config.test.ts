import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CniConfigReport, formatCniConfigReport } from "@isthmus/core/model";
import { afterEach, describe, expect, it } from "vitest";
import { chooseCniConfigFile, parseCniConfigFile, readCniConfig } from "./cni-config.js";

// The lab's files (lab/manifests/kube-flannel.yaml cni-conf.json, lab/src/lab/nodes.ts labConflist).
const flannel = { name: "cbr0", cniVersion: "0.4.0", plugins: [{ type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } }, { type: "portmap", capabilities: { portMappings: true } }] };
const reference = { cniVersion: "1.0.0", name: "isthmus-lab", plugins: [{ type: "bridge", bridge: "cni0", isGateway: true, ipMasq: false, hairpinMode: true, ipam: { type: "host-local", ranges: [[{ subnet: "10.3.1.0/24" }]] } }] };

/** `file: reason` of an unreadable report, or what it was instead. */
const unreadable = (report: CniConfigReport): string => (report.kind === "unreadable" ? `${report.file}: ${report.reason}` : `not unreadable but ${report.kind}`);

describe("chooseCniConfigFile", () => {
  it("takes the lexically first .conf, .conflist or .json, as containerd and CRI-O do", () => {
    expect(chooseCniConfigFile(["99-z.conflist", "10-b.conf", "10-a.conflist", "README", "05-x.conf.bak", "07-y.json"])).toBe("07-y.json");
    expect(chooseCniConfigFile(["10-flannel.conflist", "10-calico.conflist"])).toBe("10-calico.conflist");
    expect(chooseCniConfigFile(["README", "multus.kubeconfig"])).toBeUndefined();
    expect(chooseCniConfigFile([])).toBeUndefined();
  });
});

describe("parseCniConfigFile", () => {
  it("names the network and the plugin chain of a conflist, and the one plugin of a .conf", () => {
    expect(formatCniConfigReport(parseCniConfigFile("10-flannel.conflist", JSON.stringify(flannel)))).toBe("10-flannel.conflist: cbr0 (flannel, portmap)");
    expect(formatCniConfigReport(parseCniConfigFile("10-isthmus-lab.conflist", JSON.stringify(reference)))).toBe("10-isthmus-lab.conflist: isthmus-lab (bridge)");
    const single = { cniVersion: "0.3.1", name: "mynet", type: "bridge", ipam: { type: "host-local" } };
    expect(parseCniConfigFile("10-mynet.conf", JSON.stringify(single))).toEqual({ kind: "config", file: "10-mynet.conf", network: "mynet", plugins: ["bridge"] });
  });

  it("reports garbage and wrong shapes as unreadable, with why", () => {
    expect(unreadable(parseCniConfigFile("10-x.conf", "garbage{"))).toMatch(/^10-x\.conf: not JSON/);
    expect(unreadable(parseCniConfigFile("10-x.conf", JSON.stringify(reference)))).toContain("looks like a conflist");
    expect(unreadable(parseCniConfigFile("10-x.conflist", JSON.stringify({ ...reference, plugins: [] })))).toMatch(/^10-x\.conflist: plugins:/);
    expect(unreadable(parseCniConfigFile("10-x.conflist", JSON.stringify({ ...reference, plugins: [{ bridge: "cni0" }] })))).toMatch(/^10-x\.conflist: plugins\.0\.type:/);
    expect(unreadable(parseCniConfigFile("10-x.conflist", JSON.stringify({ ...flannel, name: "" })))).toMatch(/^10-x\.conflist: name:/);
    expect(parseCniConfigFile("10-x.json", "[1, 2]")).toMatchObject({ kind: "unreadable" });
  });
});

describe("readCniConfig on a directory", () => {
  let dir = "";
  afterEach(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
    dir = "";
  });

  it("reports a missing or empty directory as no config, and reads the first file of one that has them", async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-cni-conf-"));
    expect(await readCniConfig(join(dir, "missing"))).toEqual({ kind: "none", dir: join(dir, "missing") });
    expect(await readCniConfig(dir)).toEqual({ kind: "none", dir });
    // A directory with a config name is skipped (libcni ConfFiles skips directories).
    await mkdir(join(dir, "00-dir.conf"));
    await writeFile(join(dir, "README"), "not a config");
    await writeFile(join(dir, "20-flannel.conflist"), JSON.stringify(flannel));
    await writeFile(join(dir, "10-isthmus-lab.conflist"), JSON.stringify(reference));
    expect(formatCniConfigReport(await readCniConfig(dir))).toBe("10-isthmus-lab.conflist: isthmus-lab (bridge)");
  });

  it("reports a garbage first file as unreadable instead of falling back to the next", async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-cni-conf-"));
    await writeFile(join(dir, "20-flannel.conflist"), JSON.stringify(flannel));
    await writeFile(join(dir, "05-broken.conf"), "{ \"name\": ");
    expect(unreadable(await readCniConfig(dir))).toMatch(/^05-broken\.conf: not JSON/);
  });
});
