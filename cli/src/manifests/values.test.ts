import { describe, expect, it } from "vitest";
import { components } from "./components.js";
import { loadManifests, objectKeyOf, podSpecOf } from "./load.js";
import { mergeValues, parseChartValues, renderInstall } from "./values.js";

const brokerValues = `
broker: { enabled: true }
cni: { enabled: false }
gateway: { enabled: false }
dns: { enabled: false }
`;

describe("mergeValues", () => {
  it("merges maps key by key, replaces lists and scalars, and null removes a key", () => {
    const base = { a: { b: 1, c: [1, 2], d: "x" }, e: true };
    expect(mergeValues(base, { a: { c: [3], d: null }, f: 2 })).toEqual({ a: { b: 1, c: [3] }, e: true, f: 2 });
    expect(base.a.c).toEqual([1, 2]);
  });
});

describe("parseChartValues and renderInstall", () => {
  it("renders with the chart's defaults what the CLI applies for the member components", () => {
    const spec = parseChartValues("", "values.yaml");
    expect(spec.components.map((c) => c.name)).toEqual(["cni", "gateway", "dns"]);
    expect(spec.join).toBeUndefined();
    const expected = loadManifests(components.filter((c) => c.role === "member"));
    expect(renderInstall(spec).map(objectKeyOf).sort()).toEqual(expected.map(objectKeyOf).sort());
  });

  it("puts Namespaces, then CRDs, then the join Secret and ConfigMap first in apply order", () => {
    const spec = parseChartValues("join: { clusterId: east, brokerAddress: '198.51.100.1:7443', podCidrs: '10.1.0.0/16,fd00::/64', serviceCidrs: 10.96.0.0/16 }", "v");
    const kinds = renderInstall(spec).map((o) => o.kind);
    expect(kinds.slice(0, 4)).toEqual(["Namespace", "CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition"]);
    const secret = renderInstall(spec).find((o) => o.kind === "Secret");
    expect(secret?.stringData).toEqual({ address: "198.51.100.1:7443", "ca.crt": "", token: "", "cluster-id": "east" });
    expect(renderInstall(spec).find((o) => o.kind === "ConfigMap")?.data).toEqual({ "pod-cidrs": "10.1.0.0/16,fd00::/64", "service-cidrs": "10.96.0.0/16", "cable-driver": "wireguard", "global-cidr": "" });
  });

  it("gives the broker's data a claim by default, with the storage class when one is set", () => {
    const objects = renderInstall(parseChartValues(`${brokerValues}\nvolumeClaims: { isthmus-broker-data: { storageClassName: fast, size: 5Gi } }`, "v"));
    const claim = objects.find((o) => o.kind === "PersistentVolumeClaim");
    expect(claim?.spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } }, storageClassName: "fast" });
    const deployment = objects.find((o) => o.kind === "Deployment");
    expect(deployment && podSpecOf(deployment)?.volumes).toEqual([{ name: "data", persistentVolumeClaim: { claimName: "isthmus-broker-data" } }]);
  });

  it("keeps the broker's data in a host directory instead of a claim when hostPath is set", () => {
    const objects = renderInstall(parseChartValues(`${brokerValues}\nvolumeClaims: { isthmus-broker-data: { hostPath: /srv/broker } }`, "v"));
    expect(objects.some((o) => o.kind === "PersistentVolumeClaim")).toBe(false);
    const deployment = objects.find((o) => o.kind === "Deployment");
    expect(deployment && podSpecOf(deployment)?.volumes).toEqual([{ name: "data", hostPath: { path: "/srv/broker", type: "DirectoryOrCreate" } }]);
  });

  it("applies the image tag, replicas, node selector and args of the values", () => {
    const objects = renderInstall(parseChartValues("image: { tag: 0.2.0 }\nworkloads: { isthmus-dns: { replicas: 1, nodeSelector: { kubernetes.io/hostname: n1 }, args: [--x] } }", "v"));
    const dns = objects.find((o) => o.kind === "Deployment" && o.metadata?.name === "isthmus-dns");
    expect(dns?.spec).toMatchObject({ replicas: 1 });
    const pod = dns && podSpecOf(dns);
    expect(pod?.nodeSelector).toEqual({ "kubernetes.io/hostname": "n1" });
    expect(pod?.containers).toMatchObject([{ image: "isthmus/dns:0.2.0", args: ["--x"] }]);
  });

  it.each([
    ["workloads: { isthmus-dns: { replicas: two } }", /workloads\.isthmus-dns\.replicas must be a whole number, got "two"/],
    ["workloads: { isthmus-dns: { args: [1] } }", /workloads\.isthmus-dns\.args must be a list of strings/],
    ["dns: { enabled: yes please }", /dns\.enabled must be true or false/],
    ["image: { repository: example.com/isthmus }", /image\.repository "example\.com\/isthmus" is not supported/],
    ["- a list", /must hold a map of chart values/],
    ["a: [", /is not YAML/],
  ])("refuses %s with a message naming the value", (text, message) => {
    expect(() => parseChartValues(text, "v")).toThrow(message);
  });
});
