/**
 * Clusters that run another CNI (issue #18), on a lab of the suite's own (./lab.ts): c1 on
 * isthmus-cni, c2 on flannel (flanneld from its own manifest, VXLAN backend, `--ip-masq`), c3 on
 * the reference bridge + host-local plugins, with the real gateway and route agents and a broker
 * on the WAN (the gateway suites' fixture), over `wireguard` and over `vxlan`:
 * - c1 ↔ c2 and c1 ↔ c3, both ways: a pod on one cluster's non-gateway node reaches the echo pod
 *   on the other's non-gateway node, which sees the client pod's own IP (flannel masquerades pod
 *   traffic leaving its network and traffic entering it for another node; the route agent's
 *   rules keep both sources);
 * - 50 MB with the don't-fragment bit set, both ways between c1 and each of c2 and c3;
 * - `isthmus diagnose` on c2 passes its CNI checks and names each condition broken by hand: our
 *   masquerade exemption deleted on a node, strict rp_filter, the gateway's MSS clamp gone;
 * - flanneld restarted on c2's gateway node and on its other node during a probe loop from c1:
 *   traffic recovers by itself, the loss window is printed;
 * - c2's gateway fails over to a standby (its WAN link down) during a 20 ms probe loop from c1:
 *   the loss window is printed, traffic recovers through the standby, and after the standby is
 *   removed again the uninstall check below still holds;
 * - removing the agents leaves flannel's own rules, devices and routes on c2's nodes exactly as
 *   they were before the agents came.
 * Then the three clusters are joined the way an operator joins them (`isthmus deploy-broker`
 * into c1, `isthmus join --skip-cni` of each: gateways, route agents, isthmus-dns, CoreDNS
 * forwarding `clusterset.local`): a pod reaches an exported Service of another cluster by its
 * `clusterset.local` name, c1 → c2, c1 → c3, c2 → c1, c3 → c1, and the backend sees the pod's IP.
 * The lab is taken down at the end and must leave nothing behind (`ISTHMUS_LAB_KEEP=1` keeps it).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaults } from "@isthmus/core/constants";
import { findLeftovers, labDown, labUp, repoRoot, workloadEntry } from "@isthmus/lab";
import { type EchoReply, waitFor } from "@isthmus/lab/testing";
import { isthmus } from "../cli/fixture.js";
import { addStandby, gatewayStatus, leaseHolder, probeLoss, removeStandby, waitForHolder } from "../gateway/failover.js";
import { labAccess, startGatewayLab, workloadNamespace, type GatewayLab } from "../gateway/fixture.js";
import { deployWorkloads, echoFrom, podIp, waitForPath } from "../gateway/workloads.js";
import { interopLabLocation, interopLabOptions, interopLabPlan } from "./lab.js";

const clusters = ["c1", "c2", "c3"] as const;
const pairs = [["c1", "c2"], ["c2", "c1"], ["c1", "c3"], ["c3", "c1"]] as const;
const keep = process.env.ISTHMUS_LAB_KEEP === "1";

let lab: GatewayLab | undefined;
const interopLab = (): GatewayLab => {
  if (lab === undefined) throw new Error("the interop lab did not start");
  return lab;
};

/** The route agents' CNI reports (annotation isthmus.io/cni-config) on the cluster's Nodes, as `node: value`. */
async function cniReports(cluster: string): Promise<string[]> {
  const nodes = JSON.parse(await labAccess(interopLabLocation).kubectl(cluster, ["get", "nodes", "-o", "json"])) as { items: { metadata: { name: string; annotations?: Record<string, string> } }[] };
  return nodes.items.flatMap((n) => {
    const value = n.metadata.annotations?.[defaults.cniConfigAnnotation];
    return value === undefined ? [] : [`${n.metadata.name}: ${value}`];
  });
}

/** The nodes whose CNI makes iptables rules of its own (flannel; the bridge plugin's ipMasq), and how to tell them. */
const cniNodes = [["c2-n1", /flannel/i], ["c2-n2", /flannel/i], ["c3-n1", /CNI-/], ["c3-n2", /CNI-/]] as const;

/**
 * What the CNI made on a node and an uninstall must leave as it was: its iptables rules (nat and
 * filter, in order), the node's devices and its routing table.
 */
async function cniState(node: string, ours: RegExp): Promise<string[]> {
  const target = `${node.split("-")[0] ?? ""}/${node}`;
  const rules = async (table: string): Promise<string[]> => (await interopLab().exec(target, ["iptables", "-t", table, "-S"])).split("\n").filter((l) => ours.test(l));
  const links = (await interopLab().exec(target, ["ip", "-o", "link", "show"])).split("\n").filter((l) => l !== "").map((l) => `link ${l.split(":")[1]?.trim().split("@")[0] ?? ""}`);
  const routes = (await interopLab().exec(target, ["ip", "route", "show"])).split("\n").filter((l) => l !== "").map((l) => `route ${l.trim()}`);
  return [...(await rules("nat")), ...(await rules("filter")), ...links, ...routes];
}

beforeAll(async () => {
  await labUp(interopLabOptions, { onProgress: (line) => process.stderr.write(`[interop lab] ${line}\n`) });
}, 900_000);

afterAll(async () => {
  if (keep) return;
  await labDown(interopLabLocation);
  expect(await findLeftovers(interopLabPlan)).toEqual({ namespaces: [], mounts: [], processes: [], files: [] });
}, 300_000);

describe("with the gateway agents deployed directly (a broker on the WAN)", () => {
  beforeAll(async () => {
    lab = await startGatewayLab(interopLabLocation);
    await deployWorkloads(interopLab(), clusters);
  }, 600_000);

  afterAll(async () => {
    await lab?.stop();
  }, 300_000);

  describe("the lab's clusters run three CNIs", () => {
    it("c2 runs flanneld with the VXLAN backend and masquerading, c3 the reference bridge with its ipMasq, c1 isthmus-cni", async () => {
      expect(interopLabPlan.clusters.map((c) => [c.id, c.podNetwork])).toEqual([["c1", "isthmus"], ["c2", "flannel"], ["c3", "reference-masq"]]);
      for (const node of ["c2-n1", "c2-n2"]) {
        expect(await interopLab().exec(`c2/${node}`, ["ip", "-d", "link", "show", "flannel.1"])).toMatch(/vxlan id 1 .*dstport 8472/);
        expect((await interopLab().exec(`c2/${node}`, ["iptables", "-t", "nat", "-S"])).split("\n").some((l) => l.includes("-s 10.2.0.0/16") && l.includes("MASQUERADE"))).toBe(true);
      }
      expect(await interopLab().exec("c3/c3-n2", ["ip", "-o", "link", "show", "cni0"])).toContain("cni0");
      // The bridge plugin's ipMasq: a CNI-* chain per pod, jumped to from POSTROUTING for the pod's address, ending in MASQUERADE.
      const client = await podIp(interopLab(), "c3", "client");
      const nat = (await interopLab().exec("c3/c3-n2", ["iptables", "-t", "nat", "-S"])).split("\n");
      const chain = nat.find((l) => l.startsWith("-A POSTROUTING") && l.includes(`-s ${client}/`) && l.includes(" -j CNI-"))?.split(" -j ")[1]?.split(" ")[0];
      expect(chain).toMatch(/^CNI-/);
      expect(nat.some((l) => l.startsWith(`-A ${chain ?? "?"} `) && l.includes("MASQUERADE"))).toBe(true);
      expect(await interopLab().exec("c1/c1-n2", ["ip", "-o", "link", "show", "isthmus.1"])).toContain("isthmus.1");
    });
  });

  describe.each(["wireguard", "vxlan"] as const)("over the %s cable", (driver) => {
    const before = new Map<string, string[]>();

    beforeAll(async () => {
      for (const [node, ours] of cniNodes) before.set(node, await cniState(node, ours));
      await interopLab().deploy(driver);
      for (const [from, to] of pairs) await waitForPath(interopLab(), from, to, 120_000);
    }, 600_000);

    it.each(pairs)("a pod on %s's non-gateway node reaches the echo pod on %s's, which sees the client pod's IP", { timeout: 120_000 }, async (from, to) => {
      const reply = await echoFrom(interopLab(), from, `http://${await podIp(interopLab(), to, "echo")}:8080/interop`);
      expect(reply.cluster).toBe(to);
      expect(reply.node).toBe(`${to}-n2`);
      expect(reply.client.split(":")[0]).toBe(await podIp(interopLab(), from, "client"));
    });

    it.each(pairs)("carries 50 MB with the don't-fragment bit set from %s's client pod to %s's echo pod", { timeout: 150_000 }, async (from, to) => {
      const address = await podIp(interopLab(), to, "echo");
      // Full-size DF pings fit the tunnel MTU or fail: the path MTU is what MSS clamping relies on.
      await interopLab().exec(`${from}/${workloadNamespace}/client`, ["ping", "-n", "-c", "2", "-W", "2", "-M", "do", "-s", String((driver === "wireguard" ? 1420 : 1450) - 28), address]);
      const sink = interopLab().exec(`${to}/${workloadNamespace}/echo`, ["sh", "-c", "timeout 90 socat -u TCP-LISTEN:9000,reuseaddr STDOUT | wc -c"], { timeoutMs: 100_000 });
      await waitFor("the sink to listen", async () => ((await interopLab().exec(`${to}/${workloadNamespace}/echo`, ["ss", "-ltnH", "sport = :9000"])).trim() === "" ? undefined : true), {
        timeoutMs: 20_000,
        intervalMs: 100,
      });
      await interopLab().exec(`${from}/${workloadNamespace}/client`, ["sh", "-c", `head -c 52428800 /dev/zero | timeout 90 socat -u STDIN TCP:${address}:9000`], { timeoutMs: 100_000 });
      expect((await sink).trim()).toBe("52428800");
    });

    if (driver === "wireguard") {
      it("isthmus diagnose names each cluster's CNI from its nodes' config, checks the masquerade, the pod MTU and rp_filter on c2 and c3, and names each condition broken by hand on c2", { timeout: 420_000 }, async () => {
        const row = async (check: string, cluster = "c2"): Promise<{ result: string; detail: string }> => {
          const run = await isthmus(["diagnose", "--kubeconfig", join(interopLabPlan.stateDir, cluster, "admin.kubeconfig"), "-o", "json"], { timeoutMs: 120_000 });
          const found = (JSON.parse(run.stdout || "[]") as { check: string; result: string; detail: string }[]).find((r) => r.check === check);
          if (found === undefined) throw new Error(`isthmus diagnose printed no ${check} check on ${cluster}: ${run.stderr.slice(-500)}`);
          return found;
        };
        const healthy = async (check: string, cluster = "c2"): Promise<string> => {
          let last = "";
          await waitFor(`diagnose's ${check} check to pass on ${cluster}`, async () => {
            const r = await row(check, cluster);
            last = r.detail;
            return r.result === "ok" || undefined;
          }, { timeoutMs: 120_000, intervalMs: 1000, explain: () => Promise.resolve(last) });
          return last;
        };
        // The route agents' reports of /etc/cni/net.d (Node annotation isthmus.io/cni-config), read through the API.
        expect(await healthy("cni", "c1")).toContain("(isthmus-cni) on all 2 nodes");
        expect(await healthy("cni", "c2")).toContain("10-flannel.conflist: cbr0 (flannel, portmap) on all 2 nodes");
        expect(await healthy("cni", "c3")).toMatch(/^10-isthmus-lab\.conflist: isthmus-lab \(bridge\) on all 2 nodes; CNI bridge \(reference plugins\), tested/);
        // c3's bridge plugin masquerades its pods (ipMasq): the route agents' exemption covers it as flannel's.
        for (const check of ["cni masquerade", "pod mtu", "rp_filter"]) await healthy(check, "c3");
        for (const check of ["cni masquerade", "pod mtu", "rp_filter"]) await healthy(check);

        // Our exemption gone from c2-n2 (the route agent puts it back at its next resync): flannel's masquerade applies.
        const broken = await waitFor("diagnose to see c2-n2 without the exemption", async () => {
          await interopLab().exec("c2/c2-n2", ["sh", "-c", "nft delete chain ip isthmus-route-agent keep_source || true"]);
          const r = await row("cni masquerade");
          return r.result === "fail" ? r : undefined;
        }, { timeoutMs: 120_000, intervalMs: 100 });
        expect(broken.detail).toContain("c2-n2: no exemption of traffic to and from remote CIDRs");
        expect(broken.detail).toContain("flanneld masq");
        expect(broken.detail).not.toContain("c2-n1:");
        await healthy("cni masquerade");

        // Strict reverse-path filtering on c2-n2 (conf/all = 1 makes flannel.1 strict).
        const rp = (await interopLab().exec("c2/c2-n2", ["sysctl", "-n", "net.ipv4.conf.all.rp_filter"])).trim();
        await interopLab().exec("c2/c2-n2", ["sysctl", "-w", "net.ipv4.conf.all.rp_filter=1"]);
        try {
          const strict = await row("rp_filter");
          expect(strict.result).toBe("fail");
          expect(strict.detail).toContain("c2-n2 flannel.1 (all=1, flannel.1=0)");
        } finally {
          await interopLab().exec("c2/c2-n2", ["sysctl", "-w", `net.ipv4.conf.all.rp_filter=${rp}`]);
        }

        // The active gateway's MSS clamp gone: flannel's pod MTU (1450) is above the WireGuard device's (1420).
        const clamp = await interopLab().exec("c2/c2-n1", ["nft", "list", "table", "inet", "isthmus_mss_isthmus_wg"]);
        await interopLab().exec("c2/c2-n1", ["nft", "delete", "table", "inet", "isthmus_mss_isthmus_wg"]);
        try {
          const mtu = await row("pod mtu");
          expect(mtu.result).toBe("fail");
          expect(mtu.detail).toMatch(/pod MTU 1450 \(c2-n\d\) > isthmus-wg on c2-n1 1420 and c2-n1 does not clamp TCP MSS into isthmus-wg/);
        } finally {
          await interopLab().exec("c2/c2-n1", ["sh", "-c", 'printf "%s\\n" "$1" | nft -f -', "sh", clamp]);
        }
        await healthy("pod mtu");
      });

      it.each(["c2-n1", "c2-n2"])("recovers by itself when flanneld restarts on %s during a probe loop from c1", { timeout: 240_000 }, async (node) => {
        const selector = ["-n", "kube-flannel", "get", "pods", "-l", "app=flannel", "--field-selector", `spec.nodeName=${node}`, "-o"];
        const old = (await interopLab().kubectl("c2", [...selector, "name"])).trim();
        const result = await probeLoss(interopLab(), "c1", {
          targetIp: await podIp(interopLab(), "c2", "echo"),
          intervalMs: 20,
          durationMs: 12_000,
          tail: 50,
          during: async () => {
            await interopLab().kubectl("c2", ["-n", "kube-flannel", "delete", "--wait=false", old]);
          },
        });
        process.stderr.write(`[interop] c1 -> c2 while flanneld restarts on ${node}: sent ${result.sent}, answered ${result.answered}, loss window ${result.maxGapMs} ms\n`);
        expect(result.tailAnswered).toBeGreaterThanOrEqual(49);
        await waitFor(`a new, ready flannel pod on ${node}`, async () => {
          const out = (await interopLab().kubectl("c2", [...selector, "jsonpath={.items[*].metadata.name} {.items[*].status.containerStatuses[0].ready}"])).trim();
          const [name, ready] = out.split(" ");
          return (name !== undefined && `pod/${name}` !== old && ready === "true") || undefined;
        }, { timeoutMs: 90_000, intervalMs: 500 });
        for (const [from, to] of pairs) await waitForPath(interopLab(), from, to, 60_000);
      });
    }

    it.each([["c2", "flannel"], ["c3", "the reference bridge"]] as const)("fails %s's gateway (on %s) over to a standby while c1 probes its echo pod every 20 ms: the loss window is measured and traffic recovers", { timeout: 420_000 }, async (id, cni) => {
      const cluster = interopLabPlan.clusters.find((c) => c.id === id);
      if (cluster === undefined) throw new Error(`no ${id} in the interop lab`);
      const candidates = [`${id}-n1`, `${id}-n2`];
      await addStandby(interopLab(), cluster);
      const active = await waitForHolder(interopLab(), id, candidates);
      const standby = candidates.find((c) => c !== active) ?? "";
      await waitFor(`${id}'s standby ${standby} passive and both ${id} endpoints at the broker`, async () => {
        if ((await gatewayStatus(interopLab(), id, standby))?.role !== "passive") return undefined;
        return (await interopLab().admin.getCluster({ id }, { timeoutMs: 2000 })).endpoints.length === 2 || undefined;
      }, { timeoutMs: 120_000, intervalMs: 1000 });
      const load = (await interopLab().exec("c1/c1-n1", ["cat", "/proc/loadavg"])).trim();
      try {
        const result = await probeLoss(interopLab(), "c1", {
          // Long enough for the fault to start late on a loaded machine (an exec can take seconds).
          targetIp: await podIp(interopLab(), id, "echo"), intervalMs: 20, durationMs: 15_000, tail: 50,
          during: async () => { await interopLab().exec(`${id}/${active}`, ["ip", "link", "set", "wan0", "down"]); },
        });
        process.stderr.write(`[interop] ${driver}: c1 -> ${id} (${cni}; UDP, 20 ms) while ${id}'s active gateway ${active} loses its WAN link: sent ${result.sent}, answered ${result.answered}, answered of the last 50 ${result.tailAnswered}, loss window ${result.maxGapMs} ms (load ${load})\n`);
        expect(await leaseHolder(interopLab(), id)).toBe(standby);
        // The window is measured, not asserted (the machine's load dominates it); recovery through the standby is.
        for (const [from, to] of [["c1", id], [id, "c1"]] as const) await waitForPath(interopLab(), from, to, 120_000);
      } finally {
        await interopLab().exec(`${id}/${active}`, ["ip", "link", "set", "wan0", "up"]);
      }
      // Back to one candidate, as the uninstall check's snapshot was taken.
      await removeStandby(interopLab(), cluster);
      await waitForHolder(interopLab(), id, [`${id}-n1`], 120_000);
      // The standby left the gateway pool while it led: its agent removes the data plane it kept
      // for a successor, else its routes (metric 0) would beat the route agent's on that node.
      const device = driver === "wireguard" ? "isthmus-wg" : "isthmus-vxlan";
      await waitFor(`${device} gone from ${standby}, which left the gateway pool`, async () => {
        const links = await interopLab().exec(`${id}/${standby}`, ["ip", "-o", "link", "show"]);
        return links.includes(`${device}:`) ? undefined : true;
      }, { timeoutMs: 60_000, intervalMs: 500 });
      for (const [from, to] of [["c1", id], [id, "c1"]] as const) await waitForPath(interopLab(), from, to, 120_000);
    });

    it("removes every device, route and nft table of ours on uninstall, and leaves flannel's and the bridge plugin's own exactly as before", async () => {
      expect(await interopLab().undeploy()).toEqual([]);
      for (const [node, ours] of cniNodes) expect(await cniState(node, ours)).toEqual(before.get(node));
      // Each route agent withdraws its CNI report from its Node as it stops.
      for (const cluster of clusters) expect(await cniReports(cluster)).toEqual([]);
    }, 300_000);
  });
});

describe.each(["wireguard", "vxlan"] as const)("joined with the CLI over the %s cable: services by their clusterset.local name", (driver) => {
  const access = labAccess(interopLabLocation);
  const ns = "interop-mcs";
  const kubeconfig = (cluster: string): string => join(interopLabPlan.stateDir, cluster, "admin.kubeconfig");
  let dir = "";
  const run = async (args: readonly string[]): Promise<string> => {
    const result = await isthmus(args);
    if (result.code !== 0) throw new Error(`isthmus ${args.join(" ")} exited ${String(result.code)}: ${result.stderr.slice(-3000)}`);
    return result.stderr;
  };
  /** Echo Deployment + Service `echo-<cluster>` (exported) and a client pod on n2, in every cluster. */
  const objects = (cluster: string): object => ({
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
      {
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name: `echo-${cluster}`, namespace: ns },
        spec: {
          replicas: 1, selector: { matchLabels: { app: `echo-${cluster}` } },
          template: { metadata: { labels: { app: `echo-${cluster}` } }, spec: { nodeName: `${cluster}-n2`, enableServiceLinks: false, containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080 }] }] } },
        },
      },
      { apiVersion: "v1", kind: "Service", metadata: { name: `echo-${cluster}`, namespace: ns }, spec: { selector: { app: `echo-${cluster}` }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: ns }, spec: { nodeName: `${cluster}-n2`, enableServiceLinks: false, containers: [{ name: "client", image: "lab/client" }] } },
    ],
  });
  const joinLines: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-interop-"));
    const info = join(dir, "broker-info.json");
    await run(["deploy-broker", "--kubeconfig", kubeconfig("c1"), "--out", info]);
    for (const cluster of clusters) joinLines[cluster] = await run(["join", info, "--clusterid", cluster, "--skip-cni", "--cable-driver", driver, "--kubeconfig", kubeconfig(cluster)]);
    for (const cluster of clusters) await access.kubectl(cluster, ["apply", "-f", "-"], JSON.stringify(objects(cluster)));
    for (const cluster of clusters) {
      await access.kubectl(cluster, ["-n", ns, "wait", "pod/client", "--for=condition=Ready", "--timeout=120s"]);
      await access.kubectl(cluster, ["-n", ns, "rollout", "status", `deployment/echo-${cluster}`, "--timeout=120s"]);
      await run(["export", "service", `echo-${cluster}`, "-n", ns, "--kubeconfig", kubeconfig(cluster)]);
    }
  }, 900_000);

  afterAll(async () => {
    const problems: string[] = [];
    for (const cluster of clusters) await access.kubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]).catch((err: unknown) => problems.push(String(err)));
    for (const cluster of [...clusters].reverse()) {
      const removed = await isthmus(["uninstall", "--kubeconfig", kubeconfig(cluster), "--broker-admin", join(dir, "broker-admin.json")]);
      if (removed.code !== 0) problems.push(`uninstall ${cluster}: ${removed.stderr.slice(-1000)}`);
      const reports = await cniReports(cluster);
      if (reports.length > 0) problems.push(`uninstall ${cluster} left CNI reports on Nodes: ${reports.join("; ")}`);
    }
    await access.kubectl("c1", ["delete", "namespace", "isthmus-broker", "--ignore-not-found", "--wait=true", "--timeout=90s"]).catch((err: unknown) => problems.push(String(err)));
    await rm(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  }, 600_000);

  it(`every cluster's active gateway carries the ${driver} cable`, async () => {
    const device = driver === "wireguard" ? "isthmus-wg" : "isthmus-vxlan";
    for (const cluster of clusters) expect(await access.exec(`${cluster}/${cluster}-n1`, ["ip", "-o", "link", "show", device])).toContain(device);
  });

  it("join names each cluster's CNI: from its DaemonSet, and from the nodes' CNI config once the route agents report it", () => {
    expect(joinLines.c1).toContain("isthmus-cni (DaemonSet isthmus-system/isthmus-node); tested with Isthmus");
    expect(joinLines.c2).toContain("flannel (DaemonSet kube-flannel/kube-flannel-ds, nodes annotated flannel.alpha.coreos.com/backend-type=vxlan); tested with Isthmus");
    expect(joinLines.c2).toContain("10-flannel.conflist: cbr0 (flannel, portmap) on 2 of 2 nodes");
    // The reference plugins have no DaemonSet: before the route agents run, join cannot tell; after, their reports name it.
    expect(joinLines.c3).toContain("unknown (no DaemonSet of a known CNI");
    expect(joinLines.c3).toContain("CNI on the nodes: 10-isthmus-lab.conflist: isthmus-lab (bridge) on 2 of 2 nodes — bridge (reference plugins); tested with Isthmus");
  });

  it.each(pairs)("a pod in %s reaches %s's exported echo by its clusterset.local name, and the backend sees the pod's IP", { timeout: 180_000 }, async (from, to) => {
    const url = `http://echo-${to}.${ns}.svc.${defaults.dnsZone}/interop`;
    let last = "";
    const reply = await waitFor(`${from} -> ${url}`, async () => {
      const result = await access.execResult(`${from}/${ns}/client`, [process.execPath, join(repoRoot, workloadEntry), "http-get", url, "--timeout", "2000"], { timeoutMs: 60_000 });
      last = result.stderr.trim() || result.stdout.trim();
      return result.code === 0 ? (JSON.parse(result.stdout) as EchoReply) : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1000, explain: () => Promise.resolve(last) });
    expect(reply.cluster).toBe(to);
    const clientIp = (await access.kubectl(from, ["-n", ns, "get", "pod", "client", "-o", "jsonpath={.status.podIP}"])).trim();
    expect(reply.client.split(":")[0]).toBe(clientIp);
  });
});
