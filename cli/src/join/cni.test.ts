import { describe, expect, it } from "vitest";
import { describeCni, detectCni } from "./cni.js";

describe("detectCni", () => {
  it("names flannel by its own manifest's DaemonSet and reports the backend from the node annotations", () => {
    const cni = detectCni({
      daemonSets: [{ namespace: "kube-system", name: "kube-proxy" }, { namespace: "kube-flannel", name: "kube-flannel-ds" }],
      nodeAnnotations: [{ "flannel.alpha.coreos.com/backend-type": "vxlan" }],
    });
    expect(cni).toEqual({ name: "flannel", tested: true, evidence: "DaemonSet kube-flannel/kube-flannel-ds, nodes annotated flannel.alpha.coreos.com/backend-type=vxlan" });
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
});
