/**
 * `isthmus` against the shared lab, as an operator runs it: deploy-broker into c1, join c1,
 * then in c2 every kind of bad input (missing, corrupt or expired broker-info, unknown cable
 * driver, a cluster id that is not a DNS label or is taken, CIDRs that overlap c1's without a
 * global pool) fails with a clear message and a non-zero exit and installs nothing; every
 * manifest passes server-side dry-run; a join/uninstall round trip of c2 leaves its API
 * objects and every node's links, routes and nft tables as they were; and the demo's flow
 * (echo in c2 exported, called by name from c1) works. c1 is restored at the end.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKubectl } from "../../lab/testing/helpers.js";
import { apiSnapshot, isthmus, kubeconfigOf, lockAgentSuites, nodeSnapshot } from "./fixture.js";

let dir = "";
let release: (() => Promise<void>) | undefined;
const c1Before: string[] = [];
let c1Nodes: string[] = [];
let info = "";
let admin = "";

beforeAll(async () => {
  release = await lockAgentSuites();
  dir = await mkdtemp(join(tmpdir(), "isthmus-cli-suite-"));
  info = join(dir, "broker-info.json");
  admin = join(dir, "broker-admin.json");
  c1Before.push(...(await apiSnapshot("c1")));
  c1Nodes = await nodeSnapshot("c1");
  const deployed = await isthmus(["deploy-broker", "--kubeconfig", await kubeconfigOf("c1"), "--out", info]);
  expect(deployed.code, deployed.stderr).toBe(0);
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
  } finally {
    await rm(dir, { recursive: true, force: true });
    await release?.();
  }
}, 400_000);

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
    ["CIDRs that overlap another cluster's without a global pool", () => Promise.resolve([info, "--clusterid", "c2", "--pod-cidr", "10.1.0.0/16"]), 1, /pod CIDR 10\.1\.0\.0\/16 overlaps c1's pod CIDR 10\.1\.0\.0\/16.*--globalnet/],
  ];

  it.each(cases)("%s: clear message, exit code, nothing installed", async (_what, args, code, message) => {
    const run = await isthmus(["join", ...(await args()), "--kubeconfig", await kubeconfigOf("c2"), "--skip-cni"]);
    expect(run.code, run.stderr).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/✓ (create namespace|apply)/);
    expect(await apiSnapshot("c2")).toEqual(before);
  });
});

describe("the manifests", () => {
  it("every object of deploy/ passes server-side dry-run against the lab apiserver", async () => {
    const printed = await isthmus(["manifests", "-o", "json"]);
    expect(printed.code, printed.stderr).toBe(0);
    const objects = (JSON.parse(printed.stdout) as { items: unknown[] }).items;
    expect(objects.length).toBeGreaterThan(30);
    const result = await labKubectl("c1", ["apply", "--server-side", "--force-conflicts", "--field-manager=isthmus-dry-run", "--dry-run=server", "-f", "-"], { input: printed.stdout });
    expect(result.trim().split("\n")).toHaveLength(objects.length);
    expect(result).toMatch(/serverside-applied \(server dry run\)/);
  });
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
