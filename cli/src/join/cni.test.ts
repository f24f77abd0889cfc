import { describe, expect, it } from "vitest";
import { type CniEvidence, describeCni, describeNodeReport, detectCni, waitForNodeReports } from "./cni.js";

const key = "isthmus.io/cni-config";
const referenceReport = "10-isthmus-lab.conflist: isthmus-lab (bridge)";

describe("detectCni", () => {
  it("names flannel by its own manifest's DaemonSet and reports the backend from the node annotations", () => {
    const cni = detectCni({
      daemonSets: [{ namespace: "kube-system", name: "kube-proxy" }, { namespace: "kube-flannel", name: "kube-flannel-ds" }],
      nodeAnnotations: [{ "flannel.alpha.coreos.com/backend-type": "vxlan" }],
    });
    expect(cni).toMatchObject({ name: "flannel", tested: true, evidence: "DaemonSet kube-flannel/kube-flannel-ds, nodes annotated flannel.alpha.coreos.com/backend-type=vxlan" });
    expect(describeCni(cni)).toContain("tested with Isthmus");
  });

  it("names isthmus-cni, and known untested CNIs with what to check", () => {
    expect(detectCni({ daemonSets: [{ namespace: "isthmus-system", name: "isthmus-node" }], nodeAnnotations: [] })).toMatchObject({ name: "isthmus-cni", tested: true });
    const calico = detectCni({ daemonSets: [{ namespace: "calico-system", name: "calico-node" }], nodeAnnotations: [] });
    expect(calico).toMatchObject({ name: "calico", tested: false });
    expect(describeCni(calico)).toContain("not tested with Isthmus: check that it masquerades no traffic to or from remote pod CIDRs");
  });

  it("finds flannel by its annotations alone, and says unknown when nothing is known", () => {
    expect(detectCni({ daemonSets: [], nodeAnnotations: [{}, { "flannel.alpha.coreos.com/backend-type": "host-gw" }] })).toMatchObject({ name: "flannel", tested: true });
    expect(detectCni({ daemonSets: [{ namespace: "kube-system", name: "kube-proxy" }], nodeAnnotations: [{}] })).toMatchObject({ name: "unknown", tested: false });
  });

  it("names the reference bridge from the route agents' reports when no DaemonSet matches, with the value and how many nodes", () => {
    const cni = detectCni({ daemonSets: [{ namespace: "kube-system", name: "kube-proxy" }], nodeAnnotations: [{ [key]: referenceReport }, { [key]: referenceReport }] });
    expect(cni).toMatchObject({ name: "bridge (reference plugins)", tested: true });
    expect(describeCni(cni)).toBe(`bridge (reference plugins) (no DaemonSet of a known CNI; ${key}: ${referenceReport} on 2 of 2 nodes); tested with Isthmus (e2e/src/suites/cni-interop)`);
  });

  it("names flannel, calico, cilium and unknown plugins by the first plugin's type", () => {
    const from = (report: string): ReturnType<typeof detectCni> => detectCni({ daemonSets: [], nodeAnnotations: [{ [key]: report }] });
    expect(from("10-flannel.conflist: cbr0 (flannel, portmap)")).toMatchObject({ name: "flannel", tested: true });
    expect(from("10-calico.conflist: k8s-pod-network (calico, bandwidth, portmap)")).toMatchObject({ name: "calico", tested: false });
    expect(from("05-cilium.conflist: cilium (cilium-cni)")).toMatchObject({ name: "cilium", tested: false });
    expect(from("10-mynet.conf: mynet (ptp)")).toMatchObject({ name: "ptp (reference plugins)", tested: false });
    expect(from("10-x.conflist: x (shiny-cni, portmap)")).toMatchObject({ name: "shiny-cni", tested: false });
  });

  it("keeps a known DaemonSet first and adds the reports to its evidence", () => {
    const cni = detectCni({ daemonSets: [{ namespace: "isthmus-system", name: "isthmus-node" }], nodeAnnotations: [{ [key]: "10-isthmus.conflist: isthmus (isthmus-cni)" }, {}] });
    expect(cni.evidence).toBe(`DaemonSet isthmus-system/isthmus-node, ${key}: 10-isthmus.conflist: isthmus (isthmus-cni) on 1 of 2 nodes`);
  });

  it("says so when nodes disagree, and names the CNI from the most common config", () => {
    const cni = detectCni({ daemonSets: [], nodeAnnotations: [{ [key]: referenceReport }, { [key]: "10-flannel.conflist: cbr0 (flannel, portmap)" }, { [key]: referenceReport }] });
    expect(cni.name).toBe("bridge (reference plugins)");
    expect(cni.evidence).toContain(`nodes disagree: ${referenceReport} on 2, 10-flannel.conflist: cbr0 (flannel, portmap) on 1 of 3 nodes`);
  });

  it("names no CNI from reports without a config, but shows them", () => {
    const cni = detectCni({ daemonSets: [], nodeAnnotations: [{ [key]: "no CNI config in /etc/cni/net.d" }, { [key]: "10-x.conf: unreadable: not JSON" }] });
    expect(cni).toMatchObject({ name: "unknown", tested: false });
    expect(cni.evidence).toContain("nodes disagree: 10-x.conf: unreadable: not JSON on 1, no CNI config in /etc/cni/net.d on 1 of 2 nodes");
  });
});

describe("describeNodeReport", () => {
  const proxy = [{ namespace: "kube-system", name: "kube-proxy" }];
  it("prints the reports and the CNI they name when the first detection had neither", () => {
    const first = detectCni({ daemonSets: proxy, nodeAnnotations: [{}, {}] });
    const later = detectCni({ daemonSets: proxy, nodeAnnotations: [{ [key]: referenceReport }, { [key]: referenceReport }] });
    expect(describeNodeReport(first, later, 3000)).toBe(`CNI on the nodes: ${referenceReport} on 2 of 2 nodes — bridge (reference plugins); tested with Isthmus (e2e/src/suites/cni-interop)`);
  });

  it("prints only the reports when they confirm what a DaemonSet named, and nothing when they are not new", () => {
    const ds = [{ namespace: "kube-flannel", name: "kube-flannel-ds" }];
    const flannel = "10-flannel.conflist: cbr0 (flannel, portmap)";
    const first = detectCni({ daemonSets: ds, nodeAnnotations: [{}, {}] });
    const later = detectCni({ daemonSets: ds, nodeAnnotations: [{ [key]: flannel }, { [key]: flannel }] });
    expect(describeNodeReport(first, later, 3000)).toBe(`CNI on the nodes: ${flannel} on 2 of 2 nodes`);
    expect(describeNodeReport(later, later, 0)).toBeUndefined();
  });

  it("says in one line that no report came", () => {
    const none = detectCni({ daemonSets: proxy, nodeAnnotations: [{}, {}] });
    expect(describeNodeReport(none, none, 20_400)).toBe(`CNI on the nodes: no route agent reported its node's CNI config (${key}) within 20 s; isthmus diagnose shows it once they do`);
  });
});

describe("waitForNodeReports", () => {
  const evidence = (...values: (string | undefined)[]): CniEvidence => ({ daemonSets: [], nodeAnnotations: values.map((v) => (v === undefined ? {} : { [key]: v })) });
  const fakeTime = (): { now: () => number; sleep: (ms: number) => Promise<void> } => {
    let t = 0;
    return { now: () => t, sleep: (ms) => { t += ms; return Promise.resolve(); } };
  };

  it("reads until every node has reported", async () => {
    const reads = [evidence(undefined, undefined), evidence(referenceReport, undefined), evidence(referenceReport, referenceReport), evidence()];
    let count = 0;
    const later = await waitForNodeReports(() => Promise.resolve(reads[count++] ?? evidence()), { timeoutMs: 20_000, intervalMs: 1000, ...fakeTime() });
    expect(count).toBe(3);
    expect(later.name).toBe("bridge (reference plugins)");
  });

  it("gives up at the deadline with what it has", async () => {
    let count = 0;
    const later = await waitForNodeReports(() => { count += 1; return Promise.resolve(evidence(referenceReport, undefined)); }, { timeoutMs: 5000, intervalMs: 1000, ...fakeTime() });
    expect(count).toBe(6);
    expect(describeNodeReport(detectCni(evidence(undefined, undefined)), later, 5000)).toMatch(/on 1 of 2 nodes — bridge/);
  });
});
