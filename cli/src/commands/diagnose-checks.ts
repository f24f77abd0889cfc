/**
 * `isthmus diagnose` without a verb: the checks of a joined cluster and the clusterset, each with
 * a remedy when it fails (the help text is in diagnose.ts).
 */
import { resolve } from "node:path";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { overlaps, parseCidr } from "@isthmus/core/net";
import { CliError, type CommandIo, parseCommandArgs, parseOutputFormat } from "../command.js";
import { openAdmin, type AdminConnection } from "../broker/admin.js";
import { readBrokerAdmin } from "../broker/info.js";
import { clusterOptions, connectCluster, type ClusterTarget } from "../kube/cluster.js";
import { labNodeArgv } from "../lab-bridge.js";
import { activeGateway, listGateways } from "../join/gateways.js";
import { checkEgress } from "./diagnose-egress.js";
import { checkGlobal } from "./diagnose-global.js";
import { checkCniMasquerade, checkPodMtu, checkRpFilter } from "./diagnose-cni.js";
import { checkCniConfig } from "./diagnose-cni-config.js";
import { readJoinState } from "../join/state.js";
import { renderData, renderObject } from "../output.js";
import { runCommand } from "@isthmus/core/runtime";

/** One check's outcome. */
export interface CheckResult {
  readonly check: string;
  readonly result: "ok" | "warn" | "fail";
  readonly detail: string;
  readonly remedy: string;
}

type Check = (context: { target: ClusterTarget; conn: AdminConnection | undefined; clusterId: string | undefined }) => Promise<Omit<CheckResult, "check">>;

const ok = (detail: string): Omit<CheckResult, "check"> => ({ result: "ok", detail, remedy: "" });

const checks: [string, Check][] = [
  ["broker reachability", async ({ conn, clusterId }) => {
    if (conn === undefined) return { result: "warn", detail: "no admin file given", remedy: "pass --broker-admin to check the broker" };
    const start = performance.now();
    const info = await conn.admin.getBrokerInfo({});
    const ms = (performance.now() - start).toFixed(1);
    if (clusterId === undefined) return ok(`broker ${info.version} answered in ${ms} ms`);
    const { clusters } = await conn.admin.listClusters({});
    const me = clusters.find((c) => c.id === clusterId);
    if (me === undefined) return { result: "fail", detail: `the broker has no cluster ${clusterId}`, remedy: "check the agents' logs (kubectl -n isthmus-system logs ds/isthmus-gateway) for join errors; re-run isthmus join" };
    return ok(`broker ${info.version} answered in ${ms} ms; ${clusterId} joined at ${me.joinedAt}`);
  }],
  ["cidr overlaps", async ({ conn }) => {
    if (conn === undefined) return { result: "warn", detail: "no admin file given", remedy: "pass --broker-admin" };
    const { clusters } = await conn.admin.listClusters({});
    const held: string[] = [];
    const bare: string[] = [];
    for (const [i, a] of clusters.entries()) for (const b of clusters.slice(i + 1)) {
      for (const x of [...a.podCidrs, ...a.serviceCidrs]) for (const y of [...b.podCidrs, ...b.serviceCidrs]) {
        if (!overlaps(parseCidr(x), parseCidr(y))) continue;
        const pair = `${a.id} ${x} / ${b.id} ${y}`;
        if (a.globalCidr !== undefined && b.globalCidr !== undefined) held.push(`${pair} (blocks ${a.globalCidr}, ${b.globalCidr})`);
        else bare.push(pair);
      }
    }
    if (bare.length > 0) return { result: "fail", detail: `overlaps without global blocks: ${bare.join("; ")}`, remedy: "re-address one cluster, or join it again with global addressing (isthmus join --global-cidr auto)" };
    if (held.length > 0) return ok(`${clusters.length} clusters; overlaps only between clusters with global blocks (their gateways translate): ${held.join("; ")}`);
    return ok(`${clusters.length} clusters, no overlaps`);
  }],
  ["kube-proxy mode", async ({ target }) => {
    const cm = await target.kube.core.readNamespacedConfigMap({ namespace: "kube-system", name: "kube-proxy" }).catch(() => undefined);
    const mode = /mode:\s*"?(\w*)"?/.exec(cm?.data?.["config.conf"] ?? "")?.[1];
    if (cm === undefined) return { result: "warn", detail: "no kube-system/kube-proxy ConfigMap (mode not visible from the API)", remedy: "make sure kube-proxy runs in iptables, nftables or ipvs mode on every node" };
    if (mode === undefined || mode === "" || ["iptables", "nftables", "ipvs"].includes(mode)) return ok(`mode ${mode === undefined || mode === "" ? "iptables (default)" : mode}`);
    return { result: "fail", detail: `mode ${mode}`, remedy: "use iptables, nftables or ipvs: remote ClusterIPs are translated by kube-proxy on the gateway node" };
  }],
  ["mtu", async ({ target }) => {
    const active = activeGateway(await listGateways(target));
    if (active === undefined) return { result: "fail", detail: "no active gateway", remedy: "see gateway leadership" };
    const node = target.lab?.cluster.nodes.find((n) => n.name === active.node);
    if (target.lab === undefined || node === undefined) return { result: "warn", detail: "needs node access (lab only)", remedy: `on ${active.node}: the tunnel device MTU must be at most the underlay MTU minus 80 (wireguard) or 50 (vxlan)` };
    const { stdout } = await runCommand([...(await labNodeArgv(target.lab, node)), "ip", "-j", "link", "show"]);
    const links = JSON.parse(stdout) as { ifname: string; mtu: number }[];
    const tunnel = links.find((l) => l.ifname === defaults.wireguardDevice || l.ifname === "isthmus-vxlan");
    const underlay = links.find((l) => l.ifname === (node.wan?.ifname ?? node.lanIfname));
    if (tunnel === undefined || underlay === undefined) return { result: "fail", detail: `no tunnel device on ${active.node}`, remedy: "check the gateway agent's log" };
    const overhead = tunnel.ifname === defaults.wireguardDevice ? 80 : defaults.vxlanOverhead;
    if (tunnel.mtu + overhead > underlay.mtu) return { result: "fail", detail: `${tunnel.ifname} ${tunnel.mtu} + ${overhead} > ${underlay.ifname} ${underlay.mtu}`, remedy: `lower the tunnel MTU to ${underlay.mtu - overhead} (--wireguard-mtu / --vxlan-mtu)` };
    return ok(`${tunnel.ifname} ${tunnel.mtu} fits ${underlay.ifname} ${underlay.mtu} (overhead ${overhead})`);
  }],
  ["firewall ports", async ({ target }) => {
    const active = activeGateway(await listGateways(target));
    if (active === undefined) return { result: "fail", detail: "no active gateway", remedy: "see gateway leadership" };
    const bad = active.connections.filter((c) => c.status !== "connected");
    if (active.connections.length === 0) return { result: "warn", detail: "no remote clusters yet", remedy: "" };
    if (bad.length === 0) return ok(`${active.connections.length} tunnel(s) connected`);
    return { result: "fail", detail: bad.map((c) => `${c.cluster} ${c.remoteIp} ${c.status}${c.reason === undefined ? "" : ` (${c.reason})`}`).join("; "), remedy: `open UDP ${defaults.wireguardPort} (wireguard) or ${defaults.vxlanCablePort} (vxlan) between the gateway nodes' public addresses, both ways` };
  }],
  ["clock skew", async ({ target }) => {
    const { date } = await target.raw.send("GET", "/version");
    if (date === undefined) return { result: "warn", detail: "the apiserver sent no Date header", remedy: "" };
    const skew = Math.abs(Date.parse(date) - Date.now()) / 1000;
    if (skew > 5) return { result: "fail", detail: `${skew.toFixed(1)} s between this machine and the apiserver`, remedy: "run NTP (chrony, systemd-timesyncd) on every node and here: certificates and Leases depend on time" };
    return ok(`within ${Math.max(skew, 1).toFixed(0)} s of the apiserver`);
  }],
  ["gateway leadership", async ({ target }) => {
    const lease = await target.kube.coordination.readNamespacedLease({ namespace: defaults.namespace, name: defaults.gatewayLease }).catch(() => undefined);
    const holder = lease?.spec?.holderIdentity;
    if (lease === undefined || holder === undefined || holder === "") return { result: "fail", detail: "no Lease holder", remedy: `label at least one node ${defaults.gatewayNodeLabel}=true and check the isthmus-gateway pods` };
    const renewed = lease.spec?.renewTime === undefined ? Number.NaN : Date.now() - new Date(lease.spec.renewTime).getTime();
    const limit = 3 * (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    const active = (await listGateways(target)).filter((g) => g.role === "active");
    if (!(renewed < limit)) return { result: "fail", detail: `${holder} last renewed ${(renewed / 1000).toFixed(0)} s ago`, remedy: `check the isthmus-gateway pod on ${holder}` };
    if (active.length !== 1) return { result: "fail", detail: `${active.length} active Gateways (${active.map((g) => g.node).join(", ")})`, remedy: "exactly one gateway may be active: check the gateway pods' logs" };
    return ok(`${holder} holds the Lease (renewed ${(renewed / 1000).toFixed(0)} s ago) and is the active Gateway`);
  }],
  ["egress gateways", ({ target }) => checkEgress(target)],
  ["global addresses", checkGlobal],
  ["cni", checkCniConfig],
  ["cni masquerade", checkCniMasquerade],
  ["pod mtu", checkPodMtu],
  ["rp_filter", checkRpFilter],
];

/** Runs every check; a check that throws fails with its error. */
export async function runChecks(target: ClusterTarget, conn: AdminConnection | undefined): Promise<CheckResult[]> {
  const clusterId = (await readJoinState(target).catch(() => undefined))?.clusterId;
  const results: CheckResult[] = [];
  for (const [check, fn] of checks) {
    try {
      results.push({ check, ...(await fn({ target, conn, clusterId })) });
    } catch (err) {
      results.push({ check, result: "fail", detail: errorMessage(err), remedy: "see the detail" });
    }
  }
  return results;
}

/** Runs `isthmus diagnose` without a verb: every check, as a table or data. */
export async function runDiagnoseChecks(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...clusterOptions, "broker-admin": { type: "string" }, output: { type: "string", short: "o" } });
  if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
  const format = parseOutputFormat(values.output);
  const target = await connectCluster(values, io);
  const conn = values["broker-admin"] === undefined ? undefined : await openAdmin(await readBrokerAdmin(resolve(values["broker-admin"])));
  try {
    const results = await runChecks(target, conn);
    const mark = { ok: "✓", warn: "!", fail: "✗" } as const;
    io.stdout.write(format === "table" ? renderData("table", results, [
      { header: "", value: (r) => mark[r.result] },
      { header: "CHECK", value: (r) => r.check },
      { header: "DETAIL", value: (r) => r.detail },
      { header: "REMEDY", value: (r) => r.remedy },
    ]) : renderObject(format, results));
    return results.some((r) => r.result === "fail") ? 1 : 0;
  } finally {
    await conn?.close();
  }
}
