/**
 * isthmus-dns across the lab's two clusters, with a real broker process and the real agents
 * (deploy/dns applied, pods run by the lab kubelet): exports in c2 and c1 become ServiceImports,
 * EndpointSlices and derived VIP Services, and DNS answers for `clusterset.local` at isthmus-dns
 * and, once CoreDNS forwards the zone, through a pod's normal resolver. No gateway runs here:
 * the tunnels are published to the broker as `connected`, as the gateway would, and the suite
 * checks control plane and DNS answers only. Traffic through the real gateways, and endpoints
 * withdrawn when a gateway really disconnects, are in `e2e/src/suites/mcs`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaults } from "@isthmus/core/constants";
import { labExecOutput, labKubectl, waitFor } from "@isthmus/lab/testing";
import { dnsPort, startDnsLab, type DnsLab } from "./fixture.js";

const ns = "dns-e2e";
const zone = defaults.dnsZone;
const kubectl = (cluster: string, args: readonly string[], input?: string): Promise<string> => labKubectl(cluster, args, input === undefined ? {} : { input });
const apply = (cluster: string, objects: readonly object[]): Promise<string> => kubectl(cluster, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
const getJson = async <T>(cluster: string, args: readonly string[]): Promise<T | undefined> => {
  const out = await kubectl(cluster, ["get", ...args, "-o", "json", "--ignore-not-found"]);
  return out.trim() === "" ? undefined : (JSON.parse(out) as T);
};

interface Condition { type: string; status: string; reason: string }
interface ServiceImport { spec: { type: string; ips?: string[]; ports: { name?: string; port: number; protocol: string }[] }; status?: { clusters?: { cluster: string }[] } }
interface Slice { metadata: { name: string; labels: Record<string, string> }; endpoints?: { addresses: string[]; hostname?: string }[] }

const serviceExport = (name: string): object => ({ apiVersion: "multicluster.x-k8s.io/v1alpha1", kind: "ServiceExport", metadata: { name, namespace: ns } });
const echo = (name: string): object[] => [
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080 }] }] } },
    },
  },
  { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } },
];

let lab: DnsLab | undefined;

function dnsLab(): DnsLab {
  if (lab === undefined) throw new Error("the DNS lab did not start");
  return lab;
}

/** `dig +short` at the cluster's isthmus-dns, run on its gateway node. */
async function dig(cluster: string, name: string, type = "A"): Promise<string[]> {
  const server = await dnsLab().dnsAddress(cluster);
  const out = await labExecOutput(`${cluster}/${cluster}-n1`, ["dig", "+short", "+time=1", "+tries=2", "-p", String(dnsPort), `@${server}`, name, type]);
  return out.split("\n").map((l) => l.trim()).filter((l) => l !== "").sort();
}

/** The rcode of a query at the cluster's isthmus-dns. */
async function rcode(cluster: string, name: string): Promise<string> {
  const server = await dnsLab().dnsAddress(cluster);
  const out = await labExecOutput(`${cluster}/${cluster}-n1`, ["dig", "+time=1", "+tries=2", "-p", String(dnsPort), `@${server}`, name, "A"]);
  return /status: (\w+)/.exec(out)?.[1] ?? "none";
}

const importOf = (cluster: string, name: string): Promise<ServiceImport | undefined> => getJson<ServiceImport>(cluster, ["-n", ns, "serviceimport", name]);
const clustersOf = (si: ServiceImport | undefined): string[] => (si?.status?.clusters ?? []).map((c) => c.cluster).sort();
const slicesOf = async (cluster: string, name: string): Promise<Slice[]> =>
  (await getJson<{ items: Slice[] }>(cluster, ["-n", ns, "endpointslices", "-l", `multicluster.kubernetes.io/service-name=${name}`]))?.items ?? [];
const conditionsOf = async (cluster: string, name: string): Promise<Record<string, string>> => {
  const se = await getJson<{ status?: { conditions?: Condition[] } }>(cluster, ["-n", ns, "serviceexport", name]);
  return Object.fromEntries((se?.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
};
const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => waitFor(what, probe, { timeoutMs, intervalMs: 250 });

beforeAll(async () => {
  lab = await startDnsLab();
  for (const cluster of ["c1", "c2"]) await apply(cluster, [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }]);
  await dnsLab().setConnections("c1", { c2: "connected" });
  await dnsLab().setConnections("c2", { c1: "connected" });
}, 300_000);

afterAll(async () => {
  for (const cluster of ["c1", "c2"]) await kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=false"]).catch(() => "");
  await lab?.stop();
}, 180_000);

describe("isthmus-dns on the lab (real broker, real agents)", () => {
  it("export in c2 → ServiceImport, slice and VIP Service in c1, and an A record at isthmus-dns", async () => {
    await apply("c2", [...echo("echo"), serviceExport("echo")]);
    const c2Ip = (await kubectl("c2", ["-n", ns, "get", "service", "echo", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    const si = await until("ServiceImport echo in c1 with a clusterset IP", async () => {
      const found = await importOf("c1", "echo");
      return found?.spec.ips?.length === 1 && clustersOf(found).join() === "c2" ? found : undefined;
    });
    expect(si.spec).toMatchObject({ type: "ClusterSetIP", ports: [{ name: "http", port: 80, protocol: "TCP" }] });
    const vip = si.spec.ips?.[0] ?? "";
    expect(vip).toMatch(/^10\.101\./);
    expect((await kubectl("c1", ["-n", ns, "get", "service", "echo-clusterset", "-o", "jsonpath={.spec.clusterIP}"])).trim()).toBe(vip);
    const slices = await until("slice of c2 in c1", async () => ((await slicesOf("c1", "echo")).length === 1 ? slicesOf("c1", "echo") : undefined));
    expect(slices[0]?.metadata.labels).toMatchObject({ "multicluster.kubernetes.io/source-cluster": "c2", "kubernetes.io/service-name": "echo-clusterset" });
    expect(slices[0]?.endpoints?.[0]?.addresses).toEqual([c2Ip]);
    await until("A record of echo at c1's isthmus-dns", async () => ((await dig("c1", `echo.${ns}.svc.${zone}`)).join() === vip ? true : undefined));
    expect(await until("Ready export conditions in c2", async () => {
      const c = await conditionsOf("c2", "echo");
      return c.Ready === "True/Ready" ? c : undefined;
    })).toEqual({ Valid: "True/Valid", Ready: "True/Ready", Conflict: "False/NoConflicts" });
  });

  it("export in both → merged import with both clusters and a slice of each in c1", async () => {
    await apply("c1", [...echo("echo"), serviceExport("echo")]);
    for (const cluster of ["c1", "c2"]) {
      await until(`ServiceImport echo in ${cluster} backed by c1 and c2`, async () => (clustersOf(await importOf(cluster, "echo")).join() === "c1,c2" ? true : undefined));
    }
    const sources = async (): Promise<string> => (await slicesOf("c1", "echo")).map((s) => s.metadata.labels["multicluster.kubernetes.io/source-cluster"]).sort().join();
    await until("slices of c1 and c2 in c1", async () => ((await sources()) === "c1,c2" ? true : undefined));
  });

  it("unexport in c2 → only c1 backs the import; unexport everywhere → import gone, NXDOMAIN", async () => {
    await kubectl("c2", ["-n", ns, "delete", "serviceexport", "echo"]);
    await until("ServiceImport echo in c1 backed by c1 only", async () => (clustersOf(await importOf("c1", "echo")).join() === "c1" ? true : undefined));
    expect((await slicesOf("c1", "echo")).map((s) => s.metadata.labels["multicluster.kubernetes.io/source-cluster"])).toEqual(["c1"]);
    await kubectl("c1", ["-n", ns, "delete", "serviceexport", "echo"]);
    await until("ServiceImport echo gone in c1", async () => ((await importOf("c1", "echo")) === undefined ? true : undefined));
    await until("NXDOMAIN for echo", async () => ((await rcode("c1", `echo.${ns}.svc.${zone}`)) === "NXDOMAIN" ? true : undefined));
    expect(await getJson("c1", ["-n", ns, "service", "echo-clusterset"])).toBeUndefined();
  });

  it("headless pods with hostnames in c2 → per-pod names, all ready addresses and SRV for the named port in c1", async () => {
    const pod = (hostname: string): object => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: hostname, namespace: ns, labels: { app: "web" } },
      spec: { hostname, subdomain: "web", containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080 }] }] },
    });
    const service = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: ns }, spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ name: "http", port: 8080, protocol: "TCP" }] } };
    await apply("c2", [pod("web-0"), pod("web-1"), service, serviceExport("web")]);
    await kubectl("c2", ["-n", ns, "wait", "pod/web-0", "pod/web-1", "--for=condition=Ready", "--timeout=90s"]);
    const ips = (await kubectl("c2", ["-n", ns, "get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.podIP}"])).trim().split(/\s+/).sort();
    const web = `web.${ns}.svc.${zone}`;
    await until("both pod addresses for the headless name", async () => ((await dig("c1", web)).join() === ips.join() ? true : undefined), 60_000);
    const web0 = (await kubectl("c2", ["-n", ns, "get", "pod", "web-0", "-o", "jsonpath={.status.podIP}"])).trim();
    expect(await dig("c1", `web-0.c2.${web}`)).toEqual([web0]);
    expect(await dig("c1", `_http._tcp.${web}`, "SRV")).toEqual([`0 50 8080 web-0.c2.${web}.`, `0 50 8080 web-1.c2.${web}.`].sort());
    expect((await importOf("c1", "web"))?.spec.type).toBe("Headless");
    const slices = await slicesOf("c1", "web");
    expect(slices.flatMap((s) => (s.endpoints ?? []).map((e) => e.hostname)).sort()).toEqual(["web-0", "web-1"]);
  });

  it("conflicting port definitions → the union in the import and Conflict=True/PortConflict on both exports", async () => {
    const selectorless = (ports: object[]): object => ({ apiVersion: "v1", kind: "Service", metadata: { name: "conf", namespace: ns }, spec: { ports } });
    await apply("c1", [selectorless([{ name: "http", port: 80, protocol: "TCP" }]), serviceExport("conf")]);
    await until("c1's export of conf published", async () => ((await conditionsOf("c1", "conf")).Ready === "True/Ready" ? true : undefined));
    await apply("c2", [selectorless([{ name: "metrics", port: 9090, protocol: "TCP" }]), serviceExport("conf")]);
    const si = await until("the union of ports in c1's import", async () => {
      const found = await importOf("c1", "conf");
      return found?.spec.ports.length === 2 ? found : undefined;
    });
    expect(si.spec.ports).toEqual([
      { name: "http", port: 80, protocol: "TCP" },
      { name: "metrics", port: 9090, protocol: "TCP" },
    ]);
    for (const cluster of ["c1", "c2"]) {
      await until(`Conflict=True/PortConflict on ${cluster}'s export`, async () => ((await conditionsOf(cluster, "conf")).Conflict === "True/PortConflict" ? true : undefined));
    }
  });

  it("a client pod in c1 resolves the name through its normal resolver once CoreDNS forwards clusterset.local", async () => {
    await apply("c1", [{ apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: ns }, spec: { containers: [{ name: "client", image: "lab/client" }] } }]);
    await kubectl("c1", ["-n", ns, "wait", "pod/client", "--for=condition=Ready", "--timeout=90s"]);
    const original = JSON.parse(await kubectl("c1", ["-n", "kube-system", "get", "configmap", "coredns", "-o", "json"])) as { data: { Corefile: string } };
    const stub = [`${zone}:53 {`, "    errors", `    forward . ${await dnsLab().dnsAddress("c1")}:${dnsPort}`, "}", ""].join("\n");
    const patch = (corefile: string): Promise<string> => kubectl("c1", ["-n", "kube-system", "patch", "configmap", "coredns", "--type", "merge", "-p", JSON.stringify({ data: { Corefile: corefile } })]);
    await patch(`${original.data.Corefile.trimEnd()}\n${stub}`);
    try {
      const vip = (await importOf("c1", "conf"))?.spec.ips?.[0];
      expect(vip).toBeDefined();
      const name = `conf.${ns}.svc.${zone}`;
      await until("getent in the client pod to resolve the clusterset name", async () => {
        const out = await labExecOutput(`c1/${ns}/client`, ["getent", "hosts", name]).catch(() => "");
        return out.split(/\s+/)[0] === vip ? true : undefined;
      }, 60_000);
    } finally {
      await patch(original.data.Corefile);
    }
  });

  // Last: it removes c2 from the clusterset (issue #22).
  it("c2 removed at the broker (evicted) → c1 drops c2's exports: import gone, NXDOMAIN", async () => {
    await apply("c2", [...echo("leaver"), serviceExport("leaver")]);
    const name = `leaver.${ns}.svc.${zone}`;
    await until("c1's isthmus-dns to answer for c2's export", async () => ((await dig("c1", name)).length === 1 ? true : undefined), 90_000);
    const removedAt = performance.now();
    await dnsLab().admin.evictCluster({ id: "c2" });
    await until("NXDOMAIN for c2's export at c1", async () => ((await rcode("c1", name)) === "NXDOMAIN" ? true : undefined));
    // The 2 s of the issue is a measured figure (closing note), not a timed assertion.
    console.log(`removal: c1's isthmus-dns answered NXDOMAIN ${Math.round(performance.now() - removedAt)} ms after c2 was evicted`);
    await until("ServiceImport leaver gone in c1", async () => ((await importOf("c1", "leaver")) === undefined ? true : undefined));
  });
});
