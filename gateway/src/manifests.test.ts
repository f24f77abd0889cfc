import { readdir, readFile } from "node:fs/promises";
import { defaults } from "@isthmus/core/constants";
import { loadAllYaml } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { gatewayConfigSchema } from "./agent/config.js";
import { routeAgentConfigSchema } from "./route-agent/config.js";
import { gatewayDefaults } from "./constants.js";

// deploy/gateway parses, selects the right nodes, grants no more than the agents use, and its
// environment names are settings the gateway knows.

const deployDir = new URL("../../deploy/gateway/", import.meta.url);

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }
interface Container { image: string; env?: { name: string }[]; volumeMounts?: unknown[] }
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  spec?: { scope?: string; template?: { spec: { nodeSelector?: Record<string, string>; hostNetwork?: boolean; serviceAccountName: string; containers: Container[]; volumes?: unknown[] } } };
}

async function loadDocs(): Promise<Doc[]> {
  const files = (await readdir(deployDir)).filter((f) => f.endsWith(".yaml")).sort();
  const docs: Doc[] = [];
  for (const file of files) docs.push(...(loadAllYaml(await readFile(new URL(file, deployDir), "utf8")) as Doc[]));
  return docs;
}

const find = (docs: Doc[], kind: string, name: string): Doc => {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (doc === undefined) throw new Error(`${kind} ${name} missing`);
  return doc;
};

describe("deploy/gateway", () => {
  it("runs the gateway on candidates only and the route agent everywhere, both on the host network", async () => {
    const docs = await loadDocs();
    const gateway = find(docs, "DaemonSet", "isthmus-gateway").spec?.template?.spec;
    const agent = find(docs, "DaemonSet", "isthmus-route-agent").spec?.template?.spec;
    expect(gateway?.nodeSelector).toEqual({ [defaults.gatewayNodeLabel]: "true" });
    expect(agent?.nodeSelector).toBeUndefined();
    expect([gateway?.hostNetwork, agent?.hostNetwork]).toEqual([true, true]);
    expect(gateway?.containers[0]?.image).toMatch(/^isthmus\/gateway:/);
    expect(agent?.containers[0]?.image).toMatch(/^isthmus\/route-agent:/);
  });

  it("passes only settings the gateway's config knows", async () => {
    const docs = await loadDocs();
    const env = find(docs, "DaemonSet", "isthmus-gateway").spec?.template?.spec.containers[0]?.env ?? [];
    const keys = Object.keys(gatewayConfigSchema.shape);
    for (const { name } of env.filter((e) => e.name.startsWith("ISTHMUS_GATEWAY_"))) {
      const key = name.slice("ISTHMUS_GATEWAY_".length).toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      expect(keys).toContain(key);
    }
  });

  it("mounts the node's CNI config directory read-only into the route agent at the path its config reads", async () => {
    const agent = find(await loadDocs(), "DaemonSet", "isthmus-route-agent").spec?.template?.spec;
    expect(agent?.volumes).toEqual([{ name: "cni-conf", hostPath: { path: "/etc/cni/net.d", type: "DirectoryOrCreate" } }]);
    expect(agent?.containers[0]?.volumeMounts).toEqual([{ name: "cni-conf", mountPath: routeAgentConfigSchema.parse({ nodeName: "n" }).cniConfDir, readOnly: true }]);
  });

  it("declares the cluster-scoped Gateway CRD with a status subresource", async () => {
    const crd = find(await loadDocs(), "CustomResourceDefinition", `${gatewayDefaults.gatewayPlural}.${defaults.apiGroup}`);
    expect(crd.spec?.scope).toBe("Cluster");
  });

  it("grants the route agent read access and a patch of Nodes only (its CNI config annotation), and the gateway no write access it does not use", async () => {
    const docs = await loadDocs();
    const routeAgentRules = docs.filter((d) => d.metadata.name === "isthmus-route-agent" && d.rules !== undefined).flatMap((d) => d.rules ?? []);
    expect(new Set(routeAgentRules.flatMap((r) => r.verbs))).toEqual(new Set(["get", "list", "watch", "patch"]));
    for (const rule of routeAgentRules.filter((r) => r.verbs.includes("patch"))) expect(rule).toMatchObject({ apiGroups: [""], resources: ["nodes"] });
    const gatewayRules = docs.filter((d) => d.metadata.name === "isthmus-gateway" && d.rules !== undefined).flatMap((d) => d.rules ?? []);
    for (const rule of gatewayRules) {
      expect(rule.verbs).not.toContain("*");
      expect(rule.verbs).not.toContain("patch");
      if (rule.resources.includes("secrets") && !rule.verbs.includes("create")) expect(rule.resourceNames).toBeDefined();
      if (rule.resources.includes("nodes")) expect(rule.verbs).toEqual(["get"]);
    }
  });
});
