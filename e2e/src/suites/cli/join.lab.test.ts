/**
 * `isthmus` against the shared lab, as an operator runs it: deploy-broker into c1, join c1,
 * then in c2 every kind of bad input (missing, corrupt or expired broker-info, unknown cable
 * driver, a cluster id that is not a DNS label or is taken, CIDRs that overlap c1's with
 * --no-global, a --global-cidr block outside the broker's global range) fails with a clear message and a non-zero exit and installs nothing; every
 * manifest passes server-side dry-run, and Helm renders the chart for a broker and a member
 * cluster into exactly the objects the CLI applies for the same values; a join/uninstall round trip of c2 leaves its API
 * objects and every node's links, routes and nft tables as they were; and the demo's flow
 * (echo in c2 exported, called by name from c1) works. c1 is restored at the end.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKubectl, waitFor } from "@isthmus/lab/testing";
import { apiSnapshot, chartPath, helm, helmTemplate, isthmus, kubeconfigOf, lockAgentSuites, nodeSnapshot, type PlainObject, sortedObjects } from "./fixture.js";

let dir = "";
let release: (() => Promise<void>) | undefined;
const c1Before: string[] = [];
let c1Nodes: string[] = [];
let info = "";
let admin = "";
let deployedOutput = "";
let brokerData = "";

beforeAll(async () => {
  release = await lockAgentSuites();
  dir = await mkdtemp(join(tmpdir(), "isthmus-cli-suite-"));
  info = join(dir, "broker-info.json");
  admin = join(dir, "broker-admin.json");
  c1Before.push(...(await apiSnapshot("c1")));
  c1Nodes = await nodeSnapshot("c1");
  const deployed = await isthmus(["deploy-broker", "--kubeconfig", await kubeconfigOf("c1"), "--out", info]);
  expect(deployed.code, deployed.stderr).toBe(0);
  deployedOutput = deployed.stdout + deployed.stderr;
  brokerData = /decide where the broker keeps its data: host path (\S+)/.exec(deployed.stderr)?.[1] ?? "";
  expect(brokerData, deployed.stderr).toMatch(/\/nodes\/c1-n\d\/isthmus-broker$/);
  const joined = await isthmus(["join", info, "--clusterid", "c1", "--kubeconfig", await kubeconfigOf("c1"), "--skip-cni"]);
  expect(joined.code, joined.stderr).toBe(0);
}, 400_000);

afterAll(async () => {
  try {
    const c1 = await kubeconfigOf("c1");
    await isthmus(["uninstall", "--kubeconfig", c1, "--broker-admin", admin]);
    await isthmus(["uninstall", "--kubeconfig", await kubeconfigOf("c2")]);
    for (const cluster of ["c1", "c2"]) await labKubectl(cluster, ["delete", "namespace", "demo", "--ignore-not-found", "--wait=true", "--timeout=90s"]);
    await labKubectl("c1", ["delete", "namespace", "isthmus-broker", "--ignore-not-found", "--wait=true", "--timeout=90s"]);
    if (brokerData !== "") await rm(brokerData, { recursive: true, force: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await release?.();
  }
}, 400_000);

const brokerPods = async (): Promise<{ name: string; ready: boolean }[]> => {
  const list = JSON.parse(await labKubectl("c1", ["get", "pods", "-n", "isthmus-broker", "-l", "app.kubernetes.io/name=isthmus-broker", "-o", "json"])) as {
    items: { metadata: { name: string; deletionTimestamp?: string }; status?: { conditions?: { type: string; status: string }[] } }[];
  };
  return list.items.filter((p) => p.metadata.deletionTimestamp === undefined).map((p) => ({ name: p.metadata.name, ready: p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true }));
};

describe("deploy-broker", () => {
  it("prints nothing secret, writes both files 0600 and keeps the admin credential in a Secret", async () => {
    const adminFile = JSON.parse(await readFile(admin, "utf8")) as { keyPem: string; certPem: string };
    const infoFile = JSON.parse(await readFile(info, "utf8")) as { token: string };
    expect(deployedOutput).not.toContain(infoFile.token);
    expect(deployedOutput).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
    for (const file of [info, admin]) expect((await stat(file)).mode & 0o777).toBe(0o600);
    const secret = JSON.parse(await labKubectl("c1", ["get", "secret", "isthmus-broker-admin", "-n", "isthmus-broker", "-o", "json"])) as { data: Record<string, string> };
    expect(Buffer.from(secret.data["tls.key"] ?? "", "base64").toString("utf8")).toBe(adminFile.keyPem);
    expect(Buffer.from(secret.data["tls.crt"] ?? "", "base64").toString("utf8")).toBe(adminFile.certPem);
  });

  it("stops before installing anything when the data claim's StorageClass does not exist", async () => {
    const before = await apiSnapshot("c2");
    const run = await isthmus(["deploy-broker", "--kubeconfig", await kubeconfigOf("c2"), "--storage-class", "nope", "--out", join(dir, "c2-broker-info.json")]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/StorageClass "nope" does not exist in c2, so the broker's data claim would never bind: pass --storage-class NAME, or --host-path DIR/);
    expect(await apiSnapshot("c2")).toEqual(before);
  });

  it("keeps clusters, tokens and its CA when the broker pod is deleted", async () => {
    const created = await isthmus(["token", "create", "--broker-admin", admin, "--description", "survives a restart"]);
    expect(created.code, created.stderr).toBe(0);
    const list = async (what: string[]): Promise<string[]> => {
      const run = await isthmus([...what, "--broker-admin", admin, "-o", "json"]);
      if (run.code !== 0) throw new Error(`isthmus ${what.join(" ")}: ${run.stderr}`);
      return (JSON.parse(run.stdout) as { id: string }[]).map((r) => r.id).sort();
    };
    const clusters = await list(["show", "clusters"]);
    const tokens = await list(["token", "list"]);
    expect(clusters).toEqual(["c1"]);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    const [before] = await brokerPods();
    await labKubectl("c1", ["delete", "pod", "-n", "isthmus-broker", before?.name ?? "", "--wait=true", "--timeout=90s"]);
    await waitFor("a new ready broker pod", async () => ((await brokerPods()).some((p) => p.ready && p.name !== before?.name) ? true : undefined), { timeoutMs: 120_000, intervalMs: 500 });
    // The same admin file (same CA, same admin certificate) still works, and the data is there.
    expect(await list(["show", "clusters"])).toEqual(clusters);
    expect(await list(["token", "list"])).toEqual(tokens);
  }, 300_000);
});

describe("isthmus join refuses bad input and installs nothing", () => {
  let before: string[] = [];
  beforeAll(async () => {
    before = await apiSnapshot("c2");
  });

  const cases: [string, () => Promise<string[]>, number, RegExp][] = [
    ["a broker-info file that does not exist", () => Promise.resolve([join(dir, "nope.json"), "--clusterid", "c2"]), 1, /nope\.json: it does not exist/],
    ["a corrupt broker-info file", async () => {
      await writeFile(join(dir, "corrupt.json"), "{ not json");
      return [join(dir, "corrupt.json"), "--clusterid", "c2"];
    }, 1, /not a valid broker-info file/],
    ["an expired join token", async () => {
      const parsed = JSON.parse(await readFile(info, "utf8")) as Record<string, unknown>;
      await writeFile(join(dir, "expired.json"), JSON.stringify({ ...parsed, tokenExpiresAt: "2020-01-01T00:00:00Z" }));
      return [join(dir, "expired.json"), "--clusterid", "c2"];
    }, 1, /expired at 2020-01-01T00:00:00Z/],
    ["an unknown cable driver", () => Promise.resolve([info, "--clusterid", "c2", "--cable-driver", "ipsec"]), 2, /Unknown cable driver "ipsec": use wireguard or vxlan/],
    ["a cluster id that is not a DNS label", () => Promise.resolve([info, "--clusterid", "C_2"]), 2, /"C_2" is not an RFC 1123 label/],
    ["a cluster id that is taken", () => Promise.resolve([info, "--clusterid", "c1"]), 1, /Cluster id "c1" is taken/],
    ["CIDRs that overlap another cluster's with --no-global", () => Promise.resolve([info, "--clusterid", "c2", "--pod-cidr", "10.1.0.0/16", "--no-global"]), 1, /Cannot join "c2" without global addressing \(--no-global\): its pod CIDR 10\.1\.0\.0\/16 overlaps pod CIDR 10\.1\.0\.0\/16 of cluster "c1"/],
    ["--global-cidr with a block outside the global range", () => Promise.resolve([info, "--clusterid", "c2", "--global-cidr", "10.200.0.0/16"]), 1, /--global-cidr 10\.200\.0\.0\/16: it is outside the broker's global range 242\.0\.0\.0\/8/],
  ];

  it.each(cases)("%s: clear message, exit code, nothing installed", async (_what, args, code, message) => {
    const run = await isthmus(["join", ...(await args()), "--kubeconfig", await kubeconfigOf("c2"), "--skip-cni"]);
    expect(run.code, run.stderr).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/✓ (create namespace|apply)/);
    expect(await apiSnapshot("c2")).toEqual(before);
  });
});

async function serverDryRun(cluster: string, manifests: string): Promise<string[]> {
  // The CLI's own field manager: the dry-run is what applying these over the installed objects would do.
  const result = await labKubectl(cluster, ["apply", "--server-side", "--force-conflicts", "--field-manager=isthmus", "--dry-run=server", "-f", "-"], { input: manifests });
  return result.trim().split("\n");
}

/** Representative values: a broker on a claim of a named class, a broker on a host path, a member cluster. */
const chartCases: [string, Record<string, unknown>][] = [
  ["the broker on a claim", {
    broker: { enabled: true }, cni: { enabled: false }, gateway: { enabled: false }, dns: { enabled: false },
    workloads: { "isthmus-broker": { nodeSelector: { "kubernetes.io/hostname": "c1-n1" }, args: ["--data-dir", "/var/lib/isthmus-broker", "--grpc-port", "7443", "--http-port", "7080", "--tls-ip-addresses", "198.51.100.10", "--globalnet"] } },
    volumeClaims: { "isthmus-broker-data": { storageClassName: "fast", size: "2Gi" } },
  }],
  ["the broker on a host path", {
    broker: { enabled: true }, cni: { enabled: false }, gateway: { enabled: false }, dns: { enabled: false },
    volumeClaims: { "isthmus-broker-data": { hostPath: "/var/lib/isthmus-broker" } },
  }],
  ["a member cluster", {
    image: { tag: "0.2.0" },
    workloads: { "isthmus-dns": { replicas: 1, nodeSelector: { "kubernetes.io/hostname": "c2-n1" } } },
    join: {
      clusterId: "east", brokerAddress: "198.51.100.10:7443", brokerCa: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      token: "abc.def", serverName: "localhost", podCidrs: "10.1.0.0/16,fd00:1::/64", serviceCidrs: "10.96.0.0/16", cableDriver: "vxlan",
    },
  }],
];

describe("the manifests", () => {
  it("every object of deploy/ passes server-side dry-run against the lab apiserver", async () => {
    const printed = await isthmus(["manifests", "-o", "json"]);
    expect(printed.code, printed.stderr).toBe(0);
    const objects = (JSON.parse(printed.stdout) as { items: unknown[] }).items;
    expect(objects.length).toBeGreaterThan(30);
    const lines = await serverDryRun("c1", printed.stdout);
    expect(lines).toHaveLength(objects.length);
    expect(lines.every((l) => l.endsWith("serverside-applied (server dry run)")), lines.join("\n")).toBe(true);
  });

  it.each(chartCases)("Helm renders for %s exactly what the CLI applies, lints clean, and passes server-side dry-run", async (what, values) => {
    const file = join(dir, `${what.replaceAll(" ", "-")}.yaml`);
    await writeFile(file, JSON.stringify(values));
    const lint = await helm(["lint", chartPath, "-f", file, "--strict"]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    const rendered = await helmTemplate(file);
    const cli = await isthmus(["manifests", "--values", file, "-o", "json"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(sortedObjects(rendered.objects)).toEqual(sortedObjects((JSON.parse(cli.stdout) as { items: PlainObject[] }).items));
    const lines = await serverDryRun("c1", rendered.text);
    expect(lines).toHaveLength(rendered.objects.length);
    expect(lines.every((l) => l.endsWith("serverside-applied (server dry run)")), lines.join("\n")).toBe(true);
  }, 3_600_000);
});

describe("a join/uninstall round trip", () => {
  it("joins c2 (connected to c1) and leaves c2 exactly as it was after uninstall", async () => {
    const c2 = await kubeconfigOf("c2");
    const api = await apiSnapshot("c2");
    const nodes = await nodeSnapshot("c2");
    const joined = await isthmus(["join", info, "--clusterid", "c2", "--kubeconfig", c2, "--skip-cni"]);
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stdout).toMatch(/c2\s+c2-n1\s+active\s+\S+\s+c1\s+203\.0\.113\.11\s+connected/);
    expect(await nodeSnapshot("c2")).not.toEqual(nodes);
    const removed = await isthmus(["uninstall", "--kubeconfig", c2, "--broker-admin", admin]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await apiSnapshot("c2")).toEqual(api);
    expect(await nodeSnapshot("c2")).toEqual(nodes);
    const shown = await isthmus(["show", "clusters", "--broker-admin", admin, "-o", "json"]);
    expect((JSON.parse(shown.stdout) as { id: string }[]).map((c) => c.id)).toEqual(["c1"]);
  }, 300_000);
});

describe("the demo's flow", () => {
  it("calls http://echo.demo.svc.clusterset.local from c1 and c2 answers", async () => {
    const run = await isthmus(["demo", "--skip-packages"], { timeoutMs: 600_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/answered by pod echo-\S+ on node c2-n\d in cluster c2/);
    expect(run.stdout).toMatch(/c1\s+c1-n1\s+c2\s+connected/);
  }, 600_000);
});

describe("after the suite", () => {
  it("uninstalling c1 and removing the broker restores c1", async () => {
    await isthmus(["uninstall", "--kubeconfig", await kubeconfigOf("c2"), "--broker-admin", admin]);
    const removed = await isthmus(["uninstall", "--kubeconfig", await kubeconfigOf("c1"), "--broker-admin", admin]);
    expect(removed.code, removed.stderr).toBe(0);
    for (const cluster of ["c1", "c2"]) await labKubectl(cluster, ["delete", "namespace", "demo", "--ignore-not-found", "--wait=true", "--timeout=90s"]);
    await labKubectl("c1", ["delete", "namespace", "isthmus-broker", "--wait=true", "--timeout=90s"]);
    expect(await apiSnapshot("c1")).toEqual(c1Before);
    expect(await nodeSnapshot("c1")).toEqual(c1Nodes);
  }, 300_000);
});
