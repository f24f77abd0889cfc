import { describe, expect, it } from "vitest";
import { isIsthmusError } from "@isthmus/core/errors";
import { parseTopologyFlags, type LabTopologyFlags } from "./flags.js";
import { planLab } from "./plan.js";

function failure(flags: LabTopologyFlags): Error {
  try {
    parseTopologyFlags(flags);
  } catch (err) {
    expect(isIsthmusError(err, "InvalidOptions")).toBe(true);
    return err as Error;
  }
  throw new Error(`${JSON.stringify(flags)} was accepted`);
}

describe("lab up topology flags", () => {
  it("turns --clusters 3 --nodes 2 --nat c3 --overlap c1,c2 into lab options with that plan", () => {
    const topology = parseTopologyFlags({ clusters: "3", nodes: "2", nat: "c3", overlap: "c1,c2" });
    expect(topology).toEqual({ clusters: 3, nodesPerCluster: 2, natClusters: ["c3"], overlap: ["c1", "c2"] });
    const plan = planLab(topology);
    expect(plan.clusters.map((c) => [c.id, c.podCidr, c.nat !== undefined, c.nodes.length])).toEqual([
      ["c1", "10.1.0.0/16", false, 2],
      ["c2", "10.1.0.0/16", false, 2],
      ["c3", "10.3.0.0/16", true, 2],
    ]);
  });

  it("sets nothing when no flag is given, and accepts lists with spaces and repeats", () => {
    expect(parseTopologyFlags({})).toEqual({});
    expect(parseTopologyFlags({ nat: " c1 , c2,c1" })).toEqual({ natClusters: ["c1", "c2"] });
  });

  it("takes --cni for every cluster or per cluster, a cluster not named getting isthmus", () => {
    expect(parseTopologyFlags({ cni: "flannel" })).toEqual({ podNetwork: "flannel" });
    const mixed = parseTopologyFlags({ clusters: "3", cni: "c2=flannel, c3=reference" });
    expect(mixed).toEqual({ clusters: 3, podNetwork: { c2: "flannel", c3: "reference" } });
    const plan = planLab(mixed);
    expect(plan.clusters.map((c) => [c.id, c.podNetwork])).toEqual([
      ["c1", "isthmus"],
      ["c2", "flannel"],
      ["c3", "reference"],
    ]);
    expect(plan.podNetwork).toBe("mixed");
  });

  it.each<[LabTopologyFlags, RegExp]>([
    [{ cni: "calico" }, /--cni: "calico" is not a pod network: one of isthmus, flannel, reference, reference-masq, none/],
    [{ cni: "c1=isthmus,c2=cilium" }, /--cni: "cilium" is not a pod network: one of isthmus, flannel, reference, reference-masq, none \(in "c2=cilium"\)/],
    [{ cni: "c3=flannel" }, /--cni: "c3" is not a cluster of this lab: clusters are c1, c2/],
    [{ cni: "c1=flannel,c1=isthmus" }, /--cni names c1 twice/],
    [{ cni: "c1=,c2" }, /--cni takes one pod network for all clusters \(e.g. flannel\) or cluster=network pairs/],
    [{ cni: "c1=flannel=x" }, /--cni takes one pod network for all clusters/],
    [{ clusters: "5" }, /--clusters must be a whole number from 1 to 4 \(what the lab's address plan has room for\), got "5"/],
    [{ clusters: "0" }, /--clusters must be a whole number from 1 to 4/],
    [{ clusters: "two" }, /--clusters must be a whole number/],
    [{ clusters: "2.5" }, /--clusters must be a whole number/],
    [{ nodes: "9" }, /--nodes must be a whole number from 1 to 4/],
    [{ nat: "c3" }, /--nat: "c3" is not a cluster of this lab: clusters are c1, c2/],
    [{ clusters: "3", nat: "c3,c7,x" }, /--nat: "c7", "x" are not a cluster of this lab: clusters are c1, c2, c3/],
    [{ overlap: "c1,c4" }, /--overlap: "c4" is not a cluster of this lab/],
    [{ overlap: "c2" }, /--overlap needs at least two clusters/],
    [{ overlap: "c1,,c2" }, /--overlap takes a comma-separated list/],
  ])("refuses %j before anything starts", (flags, message) => {
    expect(failure(flags).message).toMatch(message);
  });
});
