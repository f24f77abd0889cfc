import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CliError, type Command, type CommandIo, type OutputFormat, parseCommandArgs, parseOutputFormat } from "../command.js";
import { openAdmin, type AdminConnection } from "../broker/admin.js";
import { readBrokerAdmin } from "../broker/info.js";
import { clusterOptions, connectCluster } from "../kube/cluster.js";
import { renderData, renderObject, type Column } from "../output.js";

const help = `Usage: isthmus show <what> [--broker-admin FILE] [-o table|json|yaml]

Shows the clusterset as the broker sees it (admin API), or a member cluster's egress gateways.

What:
  clusters      joined clusters: CIDRs, global CIDR, when joined and last seen
  endpoints     gateway endpoints: public/private IP, port, cable driver, role, NAT
  connections   the connection matrix reported by the gateways: status, RTT, loss
  exports       exported services: cluster, namespace, name, type, cluster IP, global IP (a
                headless export's: one per pod), ports
  global-egress every cluster's GlobalEgressIPs: namespace, name, the global IP the broker gave
                (or why none: the cluster has no block, or its block is full)
  networks      every cluster's pod, service and global CIDRs
  versions      the CLI, the broker and (with --kubeconfig) the images of the agents in a cluster
  egress        a member cluster's EgressGateways (--kubeconfig/--context; no broker): active
                node, egress IP, pods, Ready reason, conflicts

Options:
  --broker-admin FILE   The admin file (default ./broker-admin.json)
  --kubeconfig FILE, --context NAME   (versions) the member cluster to inspect

Examples:
  isthmus show connections
  isthmus show exports -o json
  isthmus show global-egress
  isthmus show versions --kubeconfig "$(isthmus lab kubeconfig c1)"
  isthmus show egress --kubeconfig "$(isthmus lab kubeconfig c1)"`;

interface Shown {
  rows: readonly Record<string, unknown>[];
  columns: readonly Column<Record<string, unknown>>[];
}

const col = (header: string, key: string): Column<Record<string, unknown>> => ({
  header,
  value: (r) => {
    const v = r[key];
    if (v === undefined || v === null || v === "") return "-";
    if (Array.isArray(v)) return v.join(",");
    return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  },
});

async function clusters(conn: AdminConnection): Promise<Shown> {
  const { clusters: list } = await conn.admin.listClusters({});
  const rows = list.map((c) => ({ id: c.id, podCidrs: c.podCidrs, serviceCidrs: c.serviceCidrs, globalCidr: c.globalCidr, joinedAt: c.joinedAt, lastSeen: c.lastSeen }));
  return { rows, columns: [col("CLUSTER", "id"), col("POD-CIDRS", "podCidrs"), col("SERVICE-CIDRS", "serviceCidrs"), col("GLOBAL-CIDR", "globalCidr"), col("JOINED", "joinedAt"), col("LAST-SEEN", "lastSeen")] };
}

async function endpoints(conn: AdminConnection): Promise<Shown> {
  const { clusters: list } = await conn.admin.listClusters({});
  const rows: Record<string, unknown>[] = [];
  for (const c of list) {
    const detail = await conn.admin.getCluster({ id: c.id });
    for (const e of detail.endpoints) rows.push({ cluster: e.clusterId, hostname: e.hostname, role: e.role, publicIp: e.publicIp, privateIp: e.privateIp, port: e.port, driver: e.cableDriver, behindNat: e.behindNat });
  }
  return { rows, columns: [col("CLUSTER", "cluster"), col("GATEWAY", "hostname"), col("ROLE", "role"), col("PUBLIC-IP", "publicIp"), col("PRIVATE-IP", "privateIp"), col("PORT", "port"), col("DRIVER", "driver"), col("NAT", "behindNat")] };
}

async function connections(conn: AdminConnection): Promise<Shown> {
  const matrix = await conn.admin.getConnectionMatrix({});
  const rows = matrix.connections.map((c) => ({
    from: c.fromCluster, gateway: c.fromGateway, to: c.toCluster, status: c.status,
    rttMs: c.rtt?.avgMs === undefined ? undefined : Number(c.rtt.avgMs.toFixed(3)),
    loss: c.lossRatio === undefined ? undefined : Number(c.lossRatio.toFixed(3)), reason: c.reason, since: c.lastChange,
  }));
  return { rows, columns: [col("FROM", "from"), col("GATEWAY", "gateway"), col("TO", "to"), col("STATUS", "status"), col("RTT-MS", "rttMs"), col("LOSS", "loss"), col("SINCE", "since"), col("REASON", "reason")] };
}

/** A headless export's per-pod global IPs; none (not an empty list) from a cluster without a block. */
function podGlobalIps(endpoints: readonly { globalIp?: string }[]): string[] | undefined {
  const ips = endpoints.flatMap((x) => x.globalIp ?? []);
  return ips.length === 0 ? undefined : ips;
}

async function exports(conn: AdminConnection): Promise<Shown> {
  const { exports: list } = await conn.admin.listExports({});
  const rows = list.map((e) => ({ cluster: e.clusterId, namespace: e.namespace, name: e.name, type: e.type, clusterIp: e.clusterIp, globalIp: e.type === "Headless" ? podGlobalIps(e.endpoints) : e.globalIp, ports: e.ports.map((p) => `${String(p.port)}/${p.protocol}`), created: e.createdAt }));
  return { rows, columns: [col("CLUSTER", "cluster"), col("NAMESPACE", "namespace"), col("NAME", "name"), col("TYPE", "type"), col("CLUSTER-IP", "clusterIp"), col("GLOBAL-IP", "globalIp"), col("PORTS", "ports"), col("CREATED", "created")] };
}

async function globalEgress(conn: AdminConnection): Promise<Shown> {
  const { clusters: list } = await conn.admin.listClusters({});
  const rows = list.flatMap((c) => c.globalEgress.map((g) => ({
    cluster: c.id, namespace: g.namespace, name: g.name, globalIp: g.globalIp,
    state: g.globalIp !== undefined ? "allocated" : c.globalCidr === undefined ? "no global block" : `block ${c.globalCidr} exhausted`,
  })));
  return { rows, columns: [col("CLUSTER", "cluster"), col("NAMESPACE", "namespace"), col("NAME", "name"), col("GLOBAL-IP", "globalIp"), col("STATE", "state")] };
}

async function networks(conn: AdminConnection): Promise<Shown> {
  const [{ clusters: list }, info] = await Promise.all([conn.admin.listClusters({}), conn.admin.getBrokerInfo({})]);
  const rows = list.flatMap((c) => [
    ...c.podCidrs.map((cidr) => ({ cluster: c.id, kind: "pod", cidr })),
    ...c.serviceCidrs.map((cidr) => ({ cluster: c.id, kind: "service", cidr })),
    ...(c.globalCidr === undefined ? [] : [{ cluster: c.id, kind: `global (pool ${info.globalCidrPool ?? ""})`, cidr: c.globalCidr }]),
  ]);
  return { rows, columns: [col("CLUSTER", "cluster"), col("KIND", "kind"), col("CIDR", "cidr")] };
}

async function versions(conn: AdminConnection, args: { kubeconfig?: string | undefined; context?: string | undefined }, io: CommandIo): Promise<Shown> {
  const cli = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  const info = await conn.admin.getBrokerInfo({});
  const rows: Record<string, unknown>[] = [{ component: "isthmus (CLI)", where: "this machine", version: cli }, { component: "isthmus-broker", where: `store ${info.store}, revision ${String(info.revision)}`, version: info.version }];
  if (args.kubeconfig !== undefined || args.context !== undefined) {
    const target = await connectCluster(args, io);
    const ds = await target.apps.listNamespacedDaemonSet({ namespace: "isthmus-system" });
    const deploys = await target.apps.listNamespacedDeployment({ namespace: "isthmus-system" });
    for (const w of [...ds.items, ...deploys.items]) rows.push({ component: w.metadata?.name, where: target.name, version: w.spec?.template.spec?.containers.map((c) => c.image).join(",") });
  }
  return { rows, columns: [col("COMPONENT", "component"), col("WHERE", "where"), col("VERSION", "version")] };
}

/** Renders what `show <what>` shows (the demo prints connections the same way). */
export async function showData(what: string, conn: AdminConnection, options: { format: OutputFormat; cluster?: { kubeconfig?: string | undefined; context?: string | undefined }; io: CommandIo }): Promise<string> {
  let shown: Shown;
  switch (what) {
    case "clusters": shown = await clusters(conn); break;
    case "endpoints": shown = await endpoints(conn); break;
    case "connections": shown = await connections(conn); break;
    case "exports": shown = await exports(conn); break;
    case "global-egress": shown = await globalEgress(conn); break;
    case "networks": shown = await networks(conn); break;
    case "versions": shown = await versions(conn, options.cluster ?? {}, options.io); break;
    default: throw new CliError("UsageError", `Unknown thing to show "${what}": use clusters, endpoints, connections, exports, global-egress, networks or versions`);
  }
  return options.format === "table" ? renderData("table", shown.rows, shown.columns) : renderObject(options.format, shown.rows);
}

/** `isthmus show`. */
export function createShowCommand(): Command {
  return {
    name: "show",
    help,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(args, { ...clusterOptions, "broker-admin": { type: "string" }, output: { type: "string", short: "o" } });
      const [what, ...extra] = positionals;
      if (what === undefined) throw new CliError("UsageError", "show needs what to show: clusters, endpoints, connections, exports, global-egress, networks, versions or egress");
      if (extra.length > 0) throw new CliError("UsageError", `Unexpected argument "${extra[0] ?? ""}"`);
      const format = parseOutputFormat(values.output);
      if (what === "egress") {
        const { egressRows, listEgressGateways } = await import("./show-egress.js");
        const rows = egressRows(await listEgressGateways((await connectCluster(values, io)).custom)) as unknown as Record<string, unknown>[];
        const columns = [col("NAME", "name"), col("READY", "ready"), col("ACTIVE-NODE", "activeNode"), col("EGRESS-IP", "egressIp"), col("PODS", "pods"), col("DESTINATIONS", "destinations"), col("CONFLICT", "conflict"), col("MESSAGE", "message")];
        io.stdout.write(format === "table" ? renderData("table", rows, columns) : renderObject(format, rows));
        return 0;
      }
      if (!["clusters", "endpoints", "connections", "exports", "global-egress", "networks", "versions"].includes(what)) throw new CliError("UsageError", `Unknown thing to show "${what}": use clusters, endpoints, connections, exports, global-egress, networks, versions or egress`);
      const conn = await openAdmin(await readBrokerAdmin(resolve(values["broker-admin"] ?? "broker-admin.json")));
      try {
        io.stdout.write(await showData(what, conn, { format, cluster: values, io }));
      } finally {
        await conn.close();
      }
      return 0;
    },
  };
}
