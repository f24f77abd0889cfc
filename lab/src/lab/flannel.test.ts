import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { pins } from "../binaries/pins.js";
import { flannelImageRepository, renderFlannelManifest } from "./flannel.js";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("flannel's manifest in the lab", () => {
  it("sets net-conf.json's Network to the cluster's pod CIDR and keeps the VXLAN backend", async () => {
    const { yaml } = await renderFlannelManifest(repoRoot, "10.2.0.0/16");
    const { loadAllYaml } = await import("@kubernetes/client-node");
    const docs = loadAllYaml(yaml) as { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: unknown }[];
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      "Namespace/kube-flannel",
      "ClusterRole/flannel",
      "ClusterRoleBinding/flannel",
      "ServiceAccount/flannel",
      "ConfigMap/kube-flannel-cfg",
      "DaemonSet/kube-flannel-ds",
    ]);
    const netConf = JSON.parse(docs[4]?.data?.["net-conf.json"] ?? "{}") as unknown;
    expect(netConf).toEqual({ Network: "10.2.0.0/16", EnableNFTables: false, Backend: { Type: "vxlan" } });
  });

  it("runs flanneld from flannel's image with --ip-masq and the kube subnet manager, without init containers", async () => {
    const { yaml } = await renderFlannelManifest(repoRoot, "10.2.0.0/16");
    const { loadAllYaml } = await import("@kubernetes/client-node");
    const ds = (loadAllYaml(yaml) as { kind: string; spec?: { template: { spec: { initContainers?: unknown; containers: { image: string; command: string[]; args: string[] }[] } } } }[]).find(
      (d) => d.kind === "DaemonSet",
    );
    const pod = ds?.spec?.template.spec;
    expect(pod?.initContainers).toBeUndefined();
    expect(pod?.containers[0]?.image).toBe(`${flannelImageRepository}:${pins.flannel}`);
    expect(pod?.containers[0]?.command).toEqual(["/opt/bin/flanneld"]);
    expect(pod?.containers[0]?.args).toEqual(["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"]);
  });

  it("gives the nodes the conflist of flannel's ConfigMap, at the CNI version the plugin speaks", async () => {
    const { conflist } = await renderFlannelManifest(repoRoot, "10.2.0.0/16");
    expect(JSON.parse(conflist)).toMatchObject({ name: "cbr0", cniVersion: "0.4.0", plugins: [{ type: "flannel", delegate: { hairpinMode: true, isDefaultGateway: true } }, { type: "portmap" }] });
  });
});
