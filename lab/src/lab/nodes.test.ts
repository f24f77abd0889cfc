import { describe, expect, it } from "vitest";
import { parseKubeletConfig } from "../kubelet/config.js";
import { labCorefile } from "./dns.js";
import { kubeletConfig, labConflist } from "./nodes.js";
import { planLab } from "./plan.js";

describe("what the orchestrator hands the lab kubelet", () => {
  const plan = planLab({ clusters: 2, stateDir: "/var/lib/isthmus-lab" });
  const c2 = plan.clusters[1]!;

  it("writes a kubelet config the kubelet's own schema accepts, per the lab contract", () => {
    const binaries = { wireguardGo: "/cache/bin/wireguard-go-v0.0.1/wireguard-go" };
    const config = parseKubeletConfig(kubeletConfig(plan, { cluster: c2, node: c2.nodes[0]!, repoRoot: "/work/main", binaries }));
    expect(config).toMatchObject({
      clusterId: "c2",
      nodeName: "c2-n1",
      nodeIp: "198.18.2.11",
      kubeconfig: "/var/lib/isthmus-lab/c2/nodes/c2-n1/kubelet.kubeconfig",
      stateDir: "/var/lib/isthmus-lab/c2/nodes/c2-n1/kubelet",
      labels: { "isthmus.io/gateway": "true" },
      clusterDns: "10.102.0.10",
      cniConfDir: "/etc/cni/net.d",
      cniBinDir: "/opt/cni/bin",
      apiServer: { host: "198.18.2.2", port: 6443 },
      imageToolsDir: "/cache/bin/wireguard-go-v0.0.1",
    });
  });

  it("maps flannel's image to the built flanneld on flannel clusters only", () => {
    const mixed = planLab({ podNetwork: { c2: "flannel" } });
    const flannel = { flanneld: "/cache/bin/flannel-v0.28.10/flanneld", cniPlugin: "/cache/bin/flannel-cni-v0.9.1/flannel" };
    const binaries = { wireguardGo: "/b/wireguard-go" };
    const [c1, c2f] = mixed.clusters;
    const onFlannel = parseKubeletConfig(kubeletConfig(mixed, { cluster: c2f!, node: c2f!.nodes[1]!, repoRoot: "/work/main", binaries, flannel }));
    expect(onFlannel.nativeImages).toEqual({ "ghcr.io/flannel-io/flannel": "/cache/bin/flannel-v0.28.10/flanneld" });
    expect(parseKubeletConfig(kubeletConfig(mixed, { cluster: c1!, node: c1!.nodes[0]!, repoRoot: "/work/main", binaries, flannel })).nativeImages).toEqual({});
  });

  it("labels only the gateway candidate", () => {
    expect(kubeletConfig(plan, { cluster: c2, node: c2.nodes[1]!, repoRoot: "/work/main", binaries: { wireguardGo: "/b/wireguard-go" } }).labels).toEqual({});
  });

  it("gives each node a bridge + host-local conflist on its own podCIDR, without masquerading", () => {
    expect(labConflist("10.2.1.0/24")).toMatchObject({
      cniVersion: "1.0.0",
      plugins: [{ type: "bridge", isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet: "10.2.1.0/24" }]] } }],
    });
  });

  it("masquerades with the bridge's ipMasq only when asked (reference-masq)", () => {
    expect(labConflist("10.2.1.0/24", { ipMasq: true })).toMatchObject({ plugins: [{ type: "bridge", ipMasq: true }] });
  });
});

describe("labCorefile", () => {
  const text = labCorefile(planLab().clusters[0]!, "/state/c1/coredns.kubeconfig");

  it("serves cluster.local and reverse zones from the API and reloads on change", () => {
    expect(text).toContain("kubernetes cluster.local in-addr.arpa ip6.arpa {");
    expect(text).toContain("kubeconfig /state/c1/coredns.kubeconfig lab");
    expect(text).toContain("reload");
    expect(text).toContain("health 198.18.1.2:8080");
  });

  it("forwards nothing outside the lab", () => {
    expect(text).not.toMatch(/forward|resolv\.conf/);
  });
});
