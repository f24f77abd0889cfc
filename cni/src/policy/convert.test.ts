import { V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicySpec, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { toPodData, toPolicyData, toRemotePodSetData } from "./convert.js";

const wire = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "from-z", namespace: "x" },
  spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }], ports: [{ protocol: "TCP", port: 80 }] }] },
};

describe("toPolicyData", () => {
  it("reads an ingress rule's peers from a deserialized object (client-node's `_from`, as a list delivers it)", () => {
    // What client-node's list deserializer builds: model classes, the peers under `_from`.
    const rule = new V1NetworkPolicyIngressRule();
    rule._from = [{ namespaceSelector: { matchLabels: { ns: "z" } } }];
    rule.ports = [{ protocol: "TCP", port: 80 }];
    const spec = new V1NetworkPolicySpec();
    spec.podSelector = {};
    spec.ingress = [rule];
    const listed = new V1NetworkPolicy();
    listed.metadata = { name: "from-z", namespace: "x" };
    listed.spec = spec;
    expect(toPolicyData(listed).spec.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }], ports: [{ protocol: "TCP", port: 80 }] }]);
  });

  it("reads them from raw JSON too (as a watch event delivers it)", () => {
    const watched = wire as unknown as V1NetworkPolicy;
    expect(toPolicyData(watched)).toEqual({ namespace: "x", name: "from-z", spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }], ports: [{ protocol: "TCP", port: 80 }] }] } });
  });
});

describe("toPodData", () => {
  it("takes the IPv4 address, node, labels and named ports; a finished pod holds no address", () => {
    const pod: V1Pod = {
      metadata: { name: "a", namespace: "x", labels: { app: "a" } },
      spec: { nodeName: "n1", containers: [{ name: "c", ports: [{ name: "http", containerPort: 80 }, { containerPort: 81 }, { name: "dns", containerPort: 53, protocol: "UDP" }] }] },
      status: { phase: "Running", podIP: "10.0.0.5", podIPs: [{ ip: "fd00::5" }, { ip: "10.0.0.5" }] },
    };
    expect(toPodData(pod)).toEqual({ namespace: "x", name: "a", labels: { app: "a" }, ip: "10.0.0.5", nodeName: "n1", ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }] });
    expect(toPodData({ metadata: { name: "a", namespace: "x" }, status: { phase: "Succeeded", podIP: "10.0.0.5" } })).toBeUndefined();
  });
});

describe("toRemotePodSetData", () => {
  it("reads a RemotePodSet's spec, defaulting absent labels, and skips one without cluster or namespace", () => {
    const spec = { clusterId: "c1", namespace: "shop", pods: [{ name: "fe", ip: "10.1.0.5" }] };
    expect(toRemotePodSetData({ metadata: { name: "c1.shop" }, spec })).toEqual({ clusterId: "c1", namespace: "shop", namespaceLabels: {}, pods: [{ name: "fe", ip: "10.1.0.5", labels: {} }] });
    expect(toRemotePodSetData({ metadata: { name: "c1.x" }, spec: { namespace: "x" } })).toBeUndefined();
    expect(toRemotePodSetData({ metadata: { name: "none" } })).toBeUndefined();
  });
});
