/**
 * A cluster whose global block is full (issue #15, docs/adr/0206), with a real broker process,
 * the real isthmus-dns agents and c1's and c2's real API servers (./fixture.ts): c2 holds a /30
 * block (one global IP for exports). Its first export gets the address and reaches c1; a second
 * one does not fit: the broker stores the first and leaves the second out, and c2's isthmus-dns
 * writes GlobalAddresses=False (the block named with its size) and Ready=False on the second's
 * ServiceExport with a Warning Event. Unexporting the first frees the address: the second gets
 * it, reaches c1, and its condition goes with a Normal Event. No gateway runs: c2's cluster
 * record is published as its gateway would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireLab } from "@isthmus/lab";
import { labKubectl, waitFor } from "@isthmus/lab/testing";
import { startDnsLab, type DnsLab } from "./fixture.js";

const ns = "dns-global-full";
const kubectl = (cluster: string, args: readonly string[], input?: string): Promise<string> => labKubectl(cluster, args, input === undefined ? {} : { input });
const apply = (cluster: string, objects: readonly object[]): Promise<string> => kubectl(cluster, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
const getJson = async <T>(cluster: string, args: readonly string[]): Promise<T | undefined> => {
  const out = await kubectl(cluster, ["get", ...args, "-o", "json", "--ignore-not-found"]);
  return out.trim() === "" ? undefined : (JSON.parse(out) as T);
};
const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => waitFor(what, probe, { timeoutMs, intervalMs: 500 });

interface Condition { type: string; status: string; reason: string; message: string }
interface Event { type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }

/** A Service without pods (a ClusterSetIP export needs only its cluster IP) and its ServiceExport. */
const exported = (name: string): object[] => [
  { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } },
  { apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ServiceExport", metadata: { name, namespace: ns } },
];
const conditionsOf = async (name: string): Promise<Record<string, Condition>> => {
  const se = await getJson<{ status?: { conditions?: Condition[] } }>("c2", ["-n", ns, "serviceexport", name]);
  return Object.fromEntries((se?.status?.conditions ?? []).map((c) => [c.type, c]));
};
const eventsOf = async (name: string): Promise<Event[]> =>
  ((await getJson<{ items: Event[] }>("c2", ["-n", ns, "events", "--field-selector", `involvedObject.kind=ServiceExport,involvedObject.name=${name}`]))?.items ?? []);
const importedFrom = async (name: string): Promise<string[]> => {
  const si = await getJson<{ status?: { clusters?: { cluster: string }[] } }>("c1", ["-n", ns, "serviceimport", name]);
  return (si?.status?.clusters ?? []).map((c) => c.cluster);
};

let lab: DnsLab | undefined;
let block = "";

function dnsLab(): DnsLab {
  if (lab === undefined) throw new Error("the DNS lab did not start");
  return lab;
}

beforeAll(async () => {
  const { plan } = await requireLab();
  lab = await startDnsLab();
  for (const cluster of ["c1", "c2"]) await apply(cluster, [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }]);
  await lab.setConnections("c1", { c2: "connected" });
  await lab.setConnections("c2", { c1: "connected" });
  const c2 = plan.clusters.find((c) => c.id === "c2");
  if (c2 === undefined) throw new Error("the lab has no cluster c2");
  // As c2's gateway publishes its cluster when joined with --global-cidr /30.
  const published = await (await lab.agent("c2")).publish({ kind: "cluster", spec: { podCidrs: [c2.podCidr], serviceCidrs: [c2.serviceCidr], global: true, globalPrefix: 30 } });
  block = published.globalCidr ?? "";
  expect(block).toMatch(/^242\.\d+\.\d+\.\d+\/30$/);
}, 300_000);

afterAll(async () => {
  for (const cluster of ["c1", "c2"]) await kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]).catch(() => "");
  await lab?.stop();
}, 180_000);

describe("a full global block seen on the ServiceExport (real broker, real isthmus-dns)", () => {
  it("the export that does not fit gets GlobalAddresses=False and a Warning Event; the one that fits reaches c1", async () => {
    await apply("c2", exported("first"));
    await until("first imported in c1 from c2", async () => ((await importedFrom("first")).includes("c2") ? true : undefined));
    await apply("c2", exported("second"));
    const conditions = await until("GlobalAddresses=False on second", async () => {
      const c = await conditionsOf("second");
      return c.GlobalAddresses?.status === "False" ? c : undefined;
    });
    expect(conditions.GlobalAddresses).toMatchObject({ reason: "GlobalBlockExhausted" });
    expect(conditions.GlobalAddresses?.message).toContain(`The global block ${block} of cluster "c2" is full: it holds 1 global IP for exports`);
    expect(conditions.Ready).toMatchObject({ status: "False", reason: "GlobalBlockExhausted" });
    const warning = await until("a Warning Event on second", async () => (await eventsOf("second")).find((e) => e.reason === "GlobalBlockExhausted"));
    expect(warning).toMatchObject({ type: "Warning", involvedObject: { kind: "ServiceExport", name: "second" } });
    expect(warning.message).toContain(block);
    // The export that fits keeps working, and its own status says nothing of the block.
    expect(await importedFrom("first")).toEqual(["c2"]);
    expect(await importedFrom("second")).toEqual([]);
    expect((await conditionsOf("first")).GlobalAddresses).toBeUndefined();
    const shown = (await dnsLab().admin.listExports({})).exports.filter((e) => e.clusterId === "c2" && e.namespace === ns).map((e) => [e.name, e.globalIp]);
    expect(shown).toEqual([["first", expect.stringMatching(/^242\./) as unknown]]);
  });

  it("unexporting the first frees the address: the second gets it, reaches c1, and its condition goes with a Normal Event", async () => {
    await kubectl("c2", ["-n", ns, "delete", "serviceexport", "first"]);
    await until("second imported in c1 from c2", async () => ((await importedFrom("second")).includes("c2") ? true : undefined));
    const conditions = await until("GlobalAddresses gone from second", async () => {
      const c = await conditionsOf("second");
      return c.GlobalAddresses === undefined && c.Ready?.status === "True" ? c : undefined;
    });
    expect(conditions.Ready).toMatchObject({ reason: "Ready" });
    const normal = await until("a Normal Event on second", async () => (await eventsOf("second")).find((e) => e.reason === "GlobalAddressesAllocated"));
    expect(normal.type).toBe("Normal");
  });
});
