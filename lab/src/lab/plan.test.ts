import { describe, expect, it } from "vitest";
import { isIsthmusError } from "@isthmus/core/errors";
import { findNode, planLab, planNamespaces, planOutside } from "./plan.js";

describe("planLab", () => {
  it("follows the lab contract for the default two clusters of two nodes", () => {
    const plan = planLab();
    expect(plan.stateDir).toBe("/var/lib/isthmus-lab");
    expect(plan.podNetwork).toBe("isthmus");
    expect(planLab({ podNetwork: "reference" }).podNetwork).toBe("reference");
    expect(planLab({ podNetwork: { c2: "reference-masq" } }).clusters.map((c) => c.podNetwork)).toEqual(["isthmus", "reference-masq"]);
    expect(planLab({ podNetwork: "none" }).podNetwork).toBe("none");
    expect(planLab({ podNetwork: "flannel" }).clusters.map((c) => c.podNetwork)).toEqual(["flannel", "flannel"]);
    expect(plan.clusters.map((c) => c.podNetwork)).toEqual(["isthmus", "isthmus"]);
    expect(plan.wan).toMatchObject({ netns: "isthmus-lab-wan", cidr: "203.0.113.0/24" });
    const [c1, c2] = plan.clusters;
    expect(c1).toMatchObject({
      id: "c1",
      cpNetns: "isthmus-lab-c1-cp",
      lanCidr: "198.18.1.0/24",
      cpAddress: "198.18.1.2",
      podCidr: "10.1.0.0/16",
      serviceCidr: "10.101.0.0/16",
      apiServiceIp: "10.101.0.1",
      dnsServiceIp: "10.101.0.10",
    });
    expect(c2).toMatchObject({ id: "c2", podCidr: "10.2.0.0/16", serviceCidr: "10.102.0.0/16", dnsServiceIp: "10.102.0.10" });
    expect(c1?.nodes.map((n) => [n.name, n.netns, n.lanAddress, n.gateway])).toEqual([
      ["c1-n1", "isthmus-lab-c1-n1", "198.18.1.11", true],
      ["c1-n2", "isthmus-lab-c1-n2", "198.18.1.12", false],
    ]);
    expect(c2?.nodes[0]?.wan).toEqual({ ifname: "wan0", address: "203.0.113.12", peerIfname: "c2-n1" });
    expect(c2?.nodes[1]?.wan).toBeUndefined();
  });

  it("gives each cluster its own pod network; clusters not named get isthmus, the lab says mixed", () => {
    const plan = planLab({ clusters: 3, podNetwork: { c2: "flannel", c3: "reference" } });
    expect(plan.clusters.map((c) => [c.id, c.podNetwork])).toEqual([
      ["c1", "isthmus"],
      ["c2", "flannel"],
      ["c3", "reference"],
    ]);
    expect(plan.podNetwork).toBe("mixed");
    expect(planLab({ podNetwork: { c1: "flannel", c2: "flannel" } }).podNetwork).toBe("flannel");
  });

  it("refuses a pod network for a cluster the lab does not have, or an unknown mode", () => {
    expect(() => planLab({ podNetwork: { c3: "flannel" } })).toThrow(expect.objectContaining({ code: "InvalidOptions", message: expect.stringContaining('Pod network cluster "c3" is not in the lab: clusters are c1, c2') as string }) as Error);
    expect(() => planLab({ podNetwork: "calico" as "isthmus" })).toThrow(expect.objectContaining({ code: "InvalidOptions", message: expect.stringContaining('Pod network "calico" is not one of isthmus, flannel, reference, reference-masq, none') as string }) as Error);
  });

  it("never uses the host's network 192.0.2.0/24", () => {
    const text = JSON.stringify(planLab({ clusters: 4, nodesPerCluster: 4, natClusters: ["c3"] }));
    expect(text).not.toContain("192.0.2.");
  });

  it("gives every overlapping cluster c1's CIDRs when asked to overlap all of them", () => {
    const plan = planLab({ clusters: 3, overlap: ["c1", "c2", "c3"] });
    expect(new Set(plan.clusters.map((c) => `${c.podCidr} ${c.serviceCidr} ${c.dnsServiceIp}`))).toEqual(
      new Set(["10.1.0.0/16 10.101.0.0/16 10.101.0.10"]),
    );
    expect(new Set(plan.clusters.map((c) => c.lanCidr)).size).toBe(3);
  });

  it("overlaps only the clusters named, with the CIDRs of the first of them", () => {
    const plan = planLab({ clusters: 3, overlap: ["c3", "c2"] });
    expect(plan.clusters.map((c) => `${c.id} ${c.podCidr} ${c.serviceCidr}`)).toEqual([
      "c1 10.1.0.0/16 10.101.0.0/16",
      "c2 10.2.0.0/16 10.102.0.0/16",
      "c3 10.2.0.0/16 10.102.0.0/16",
    ]);
  });

  it("puts every cluster named behind a NAT router of its own", () => {
    const plan = planLab({ clusters: 3, natClusters: ["c1", "c3"] });
    expect(plan.clusters.map((c) => c.nat?.netns)).toEqual(["isthmus-lab-c1-nat", undefined, "isthmus-lab-c3-nat"]);
  });

  it("puts the NAT cluster's gateway node behind a router that owns its WAN address", () => {
    const plan = planLab({ natClusters: ["c2"] });
    const c2 = plan.clusters[1];
    expect(c2?.nat).toEqual({
      netns: "isthmus-lab-c2-nat",
      wanAddress: "203.0.113.12",
      insideCidr: "198.19.2.0/24",
      insideAddress: "198.19.2.1",
      nodeAddress: "198.19.2.11",
    });
    expect(c2?.nodes[0]?.wan).toEqual({ ifname: "wan0", address: "198.19.2.11", peerIfname: "inside0" });
    expect(planNamespaces(plan)).toEqual([
      "isthmus-lab-wan",
      "isthmus-lab-c1-cp",
      "isthmus-lab-c1-n1",
      "isthmus-lab-c1-n2",
      "isthmus-lab-c2-nat",
      "isthmus-lab-c2-cp",
      "isthmus-lab-c2-n1",
      "isthmus-lab-c2-n2",
    ]);
  });

  it("keeps interface names within the kernel's 15 characters", () => {
    const plan = planLab({ clusters: 4, nodesPerCluster: 4, natClusters: ["c4"] });
    const names = plan.clusters.flatMap((c) => c.nodes.flatMap((n) => [n.lanIfname, n.lanPeerIfname, n.wan?.peerIfname ?? ""]));
    expect(names.every((n) => n.length <= 15)).toBe(true);
  });

  it.each([
    [{ clusters: 0 }, "InvalidOptions"],
    [{ clusters: 5 }, "InvalidOptions"],
    [{ nodesPerCluster: 1.5 }, "InvalidOptions"],
    [{ natClusters: ["c9"] }, "InvalidOptions"],
    [{ overlap: ["c1", "c3"] }, "InvalidOptions"],
    [{ overlap: ["c1"] }, "InvalidOptions"],
    [{ namePrefix: "Bad Prefix" }, "InvalidOptions"],
  ])("rejects %j", (options, code) => {
    expect(() => planLab(options)).toThrow(expect.objectContaining({ code }) as Error);
  });

  it("finds nodes by full or short name and lists the valid ones otherwise", () => {
    const plan = planLab();
    expect(findNode(plan, "c2", "n2").name).toBe("c2-n2");
    expect(findNode(plan, "c2", "c2-n1").name).toBe("c2-n1");
    try {
      findNode(plan, "c1", "n7");
      expect.unreachable();
    } catch (err) {
      expect(isIsthmusError(err, "NotFound")).toBe(true);
      expect((err as Error).message).toContain("c1-n1, c1-n2");
    }
  });
});

describe("planOutside", () => {
  it("puts the outside host on the WAN and makes each control plane its LAN's router", () => {
    const outside = planOutside(planLab({ clusters: 3, natClusters: ["c3"], namePrefix: "isthmus-labx-" }));
    expect(outside).toEqual({
      netns: "isthmus-labx-outside",
      address: "203.0.113.100",
      peerIfname: "outside",
      routers: [
        { clusterId: "c1", netns: "isthmus-labx-c1-cp", wanAddress: "203.0.113.31", peerIfname: "c1-cp", lanCidr: "198.18.1.0/24" },
        { clusterId: "c2", netns: "isthmus-labx-c2-cp", wanAddress: "203.0.113.32", peerIfname: "c2-cp", lanCidr: "198.18.2.0/24" },
        { clusterId: "c3", netns: "isthmus-labx-c3-cp", wanAddress: "203.0.113.33", peerIfname: "c3-cp", lanCidr: "198.18.3.0/24" },
      ],
    });
  });
});
