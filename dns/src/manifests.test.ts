import { readdir, readFile } from "node:fs/promises";
import { defaults } from "@isthmus/core/constants";
import { loadAllYaml } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { exportConditionTypes, mcsLabels } from "./mcs/index.js";

// deploy/dns parses, and its schemas hold every field the MCS logic writes.

const deployDir = new URL("../../deploy/dns/", import.meta.url);

interface Doc {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
}

async function loadDocs(): Promise<Doc[]> {
  const files = (await readdir(deployDir)).filter((f) => f.endsWith(".yaml")).sort();
  const docs: Doc[] = [];
  for (const file of files) docs.push(...(loadAllYaml(await readFile(new URL(file, deployDir), "utf8")) as Doc[]));
  return docs;
}

interface Schema { properties?: Record<string, Schema>; items?: Schema; required?: string[]; enum?: string[]; type?: string }

function schemaOf(docs: Doc[], name: string): Schema {
  const crd = docs.find((d) => d.kind === "CustomResourceDefinition" && d.metadata.name === name);
  const versions = (crd?.spec as { versions?: { name: string; schema: { openAPIV3Schema: Schema }; subresources?: { status?: unknown } }[] } | undefined)?.versions;
  const version = versions?.find((v) => v.name === defaults.mcsVersion);
  expect(version?.subresources?.status).toEqual({});
  return version?.schema.openAPIV3Schema ?? {};
}

function at(schema: Schema, path: string): Schema {
  let current: Schema | undefined = schema;
  for (const part of path.split(".")) current = part === "[]" ? current?.items : current?.properties?.[part];
  if (current === undefined) throw new Error(`schema has no ${path}`);
  return current;
}

describe("deploy/dns manifests", () => {
  it("ServiceExport CRD: status.conditions with type, status, reason, message, lastTransitionTime", async () => {
    const schema = schemaOf(await loadDocs(), `serviceexports.${defaults.mcsGroup}`);
    const condition = at(schema, "status.conditions.[]");
    expect(Object.keys(condition.properties ?? {})).toEqual(expect.arrayContaining(["type", "status", "reason", "message", "lastTransitionTime"]));
    expect(condition.properties?.status?.enum).toEqual(["True", "False", "Unknown"]);
    // KEP-1645's three, and ours while a global block has no address for the export (docs/adr/0206).
    expect(Object.values(exportConditionTypes)).toEqual(["Valid", "Ready", "Conflict", "GlobalAddresses"]);
  });

  it("ServiceImport CRD: spec type, ports, ips, sessionAffinity; status.clusters", async () => {
    const schema = schemaOf(await loadDocs(), `serviceimports.${defaults.mcsGroup}`);
    expect(at(schema, "spec.type").enum).toEqual(["ClusterSetIP", "Headless"]);
    expect(Object.keys(at(schema, "spec.ports.[]").properties ?? {})).toEqual(["name", "protocol", "appProtocol", "port"]);
    expect(at(schema, "spec.ports.[]").required).toEqual(["port"]);
    expect(at(schema, "spec.ips.[]").type).toBe("string");
    expect(at(schema, "spec.sessionAffinity").enum).toEqual(["None", "ClientIP"]);
    expect(at(schema, "status.clusters.[].cluster").type).toBe("string");
  });

  it("RBAC covers what the controller writes, and the Deployment and Service agree on ports", async () => {
    const docs = await loadDocs();
    const rules = docs.find((d) => d.kind === "ClusterRole" && d.metadata.name === "isthmus-dns")?.rules ?? [];
    const can = (group: string, resource: string, verb: string): boolean =>
      rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    expect(can(defaults.mcsGroup, "serviceexports/status", "patch")).toBe(true);
    expect(can(defaults.mcsGroup, "serviceimports", "create")).toBe(true);
    expect(can("discovery.k8s.io", "endpointslices", "delete")).toBe(true);
    expect(can("", "namespaces", "watch")).toBe(true);
    expect(can("", "services", "create")).toBe(true);
    expect(docs.find((d) => d.kind === "Role")?.rules?.[0]?.resources).toEqual(["leases"]);
    expect(rules.some((r) => r.resources.includes("secrets"))).toBe(false);
    const deployment = docs.find((d) => d.kind === "Deployment");
    expect(deployment?.metadata.namespace).toBe(defaults.namespace);
    const service = docs.find((d) => d.kind === "Service");
    const ports = (service?.spec as { ports: { port: number; targetPort: number; protocol: string }[] }).ports;
    expect(ports.filter((p) => p.port === 53).map((p) => `${p.protocol}/${p.targetPort}`)).toEqual(["UDP/5353", "TCP/5353"]);
    expect(mcsLabels.serviceName).toBe("multicluster.kubernetes.io/service-name");
  });

  it("Secrets: read only the two broker Secrets by name, update only the credentials, in isthmus-system", async () => {
    const docs = await loadDocs();
    const role = docs.find((d) => d.kind === "Role");
    expect(role?.metadata.namespace).toBe(defaults.namespace);
    const secretRules = (role?.rules ?? []).filter((r) => r.resources.includes("secrets"));
    const byVerb = Object.fromEntries(secretRules.flatMap((r) => r.verbs.map((v) => [v, r.resourceNames ?? "any"])));
    expect(byVerb).toEqual({ get: [defaults.brokerSecret, defaults.brokerCredentialsSecret], update: [defaults.brokerCredentialsSecret], create: "any" });
  });
});
