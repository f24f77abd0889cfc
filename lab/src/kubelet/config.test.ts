import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKubeletConfig, parseKubeletConfig, type KubeletConfigInput } from "./config.js";

const valid: KubeletConfigInput = {
  clusterId: "c1",
  nodeName: "c1-n1",
  nodeIp: "198.18.1.11",
  kubeconfig: "/var/lib/isthmus-lab/c1/nodes/c1-n1/kubelet.kubeconfig",
  stateDir: "/var/lib/isthmus-lab/state/c1/nodes/c1-n1",
  labels: { "isthmus.io/gateway": "true" },
  clusterDns: "10.101.0.10",
  clusterDomain: "cluster.local",
  cniConfDir: "/etc/cni/net.d",
  cniBinDir: "/opt/cni/bin",
  repoRoot: "/work/main",
  serviceAccountIssuer: "https://kubernetes.default.svc.cluster.local",
  apiServer: { host: "198.18.1.2", port: 6443 },
};

const expectInvalid = (value: unknown, field: string): void => {
  expect(() => parseKubeletConfig(value)).toThrow(
    expect.objectContaining({ code: "InvalidConfig", message: expect.stringContaining(field) as string }) as Error,
  );
};

describe("parseKubeletConfig", () => {
  it("accepts the contract's example and fills defaults", () => {
    const config = parseKubeletConfig(valid);
    expect(config.nodeName).toBe("c1-n1");
    expect(config.restartBackoff).toEqual({ baseMs: 10_000, maxMs: 300_000 });
    expect(config.leaseRenewMs).toBe(10_000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("rejects unknown keys, also nested", () => {
    expectInvalid({ ...valid, extra: 1 }, "extra");
    expectInvalid({ ...valid, apiServer: { host: "198.18.1.2", port: 6443, tls: true } }, "apiServer");
  });

  it.each([
    ["nodeIp", { nodeIp: "198.18.1" }],
    ["nodeIp", { nodeIp: "300.1.1.1" }],
    ["kubeconfig", { kubeconfig: "relative/kubeconfig" }],
    ["nodeName", { nodeName: "Node_1" }],
    ["clusterId", { clusterId: "C1" }],
    ["apiServer.port", { apiServer: { host: "198.18.1.2", port: 70000 } }],
    ["serviceAccountIssuer", { serviceAccountIssuer: "not a url" }],
    ["restartBackoff.maxMs", { restartBackoff: { baseMs: 1000, maxMs: 10 } }],
  ])("rejects a bad %s", (field, patch) => {
    expectInvalid({ ...valid, ...patch }, field);
  });

  it("names every missing field", () => {
    expectInvalid({}, "nodeName");
    expectInvalid({ ...valid, repoRoot: undefined }, "repoRoot");
  });
});

describe("loadKubeletConfig", () => {
  it("reads a file and reports unreadable or non-JSON files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "isthmus-kubelet-config-"));
    try {
      await writeFile(join(dir, "ok.json"), JSON.stringify(valid));
      await writeFile(join(dir, "bad.json"), "{ nope");
      expect((await loadKubeletConfig(join(dir, "ok.json"))).clusterId).toBe("c1");
      await expect(loadKubeletConfig(join(dir, "bad.json"))).rejects.toMatchObject({ code: "InvalidConfig" });
      await expect(loadKubeletConfig(join(dir, "missing.json"))).rejects.toMatchObject({ code: "InvalidConfig" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
