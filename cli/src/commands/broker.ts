import { spawn } from "node:child_process";
import { access, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { defaults } from "@isthmus/core/constants";
import { parseClusterId } from "@isthmus/core/model";
import { CliError, type Command, type CommandIo, parseCommandArgs, parseOutputFormat } from "../command.js";
import { openAdmin } from "../broker/admin.js";
import { adminFileBeside, type BrokerAdmin, readBrokerAdmin, writeBrokerFile } from "../broker/info.js";
import { renderObject } from "../output.js";
import { waitUntil } from "../kube/apply.js";
import { repoRoot } from "../manifests/components.js";
import { parseDuration } from "./token.js";

const help = `Usage: isthmus broker run [options] [-- <isthmus-broker flags>]
       isthmus broker remove-cluster <cluster-id> [--broker-admin FILE] [-o table|json|yaml]

remove-cluster: removes a member cluster from the clusterset at the broker: deletes its records
(endpoints, exports, connection statuses, its cluster record) so that every other cluster's
gateways withdraw its routes and DNS stops answering with its endpoints, and revokes its
certificates on every broker replica at once. Its global CIDR stays reserved for it. Run
"isthmus uninstall" in that cluster to remove the agents themselves.

run:
Runs isthmus-broker as a process on this machine (node broker/dist/main.js), waits until it
serves, writes broker-info.json (address, CA, a join token) and broker-admin.json (mode 0600)
and stays in the foreground until interrupted (SIGINT/SIGTERM are passed on).

Options:
  --data-dir DIR        SQLite file and admin credential (default ~/.local/share/isthmus/broker)
  --listen ADDR         Address to listen on (default 0.0.0.0)
  --advertise HOST      Address member clusters reach it at (default: --listen, or 127.0.0.1)
  --globalnet           Give every cluster a global block (without it only clusters that join
                        with global addressing and the members they overlap get one)
  --token-ttl DURATION  Lifetime of the join token (default 24h)
  --out FILE            broker-info path (default ./broker-info.json; the admin file goes beside it)
Flags after -- go to isthmus-broker unchanged (see node broker/dist/main.js --help).

Examples:
  isthmus broker remove-cluster c3 --broker-admin broker-admin.json
  isthmus broker run --advertise 203.0.113.5
  isthmus broker run --data-dir /var/lib/isthmus-broker -- --store etcd --etcd-endpoints http://10.0.0.5:2379`;

async function run(args: readonly string[], io: CommandIo): Promise<number> {
  const split = args.indexOf("--");
  const own = split < 0 ? args : args.slice(0, split);
  const passThrough = split < 0 ? [] : args.slice(split + 1);
  const { values, positionals } = parseCommandArgs(own, {
    "data-dir": { type: "string" }, listen: { type: "string" }, advertise: { type: "string" }, globalnet: { type: "boolean" }, "token-ttl": { type: "string" }, out: { type: "string" },
  });
  if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
  const ttl = parseDuration(values["token-ttl"] ?? "24h", "--token-ttl");
  const dataDir = resolve(values["data-dir"] ?? join(io.env.HOME ?? homedir(), ".local/share/isthmus/broker"));
  const listen = values.listen ?? "0.0.0.0";
  const host = values.advertise ?? (listen === "0.0.0.0" ? "127.0.0.1" : listen);
  const ips = [...new Set([host, "127.0.0.1"].filter((a) => /^[\d.:a-f]+$/i.test(a)))];
  const names = ["localhost", ...(/^[\d.:]+$/.test(host) ? [] : [host])];
  const argv = [join(repoRoot, "broker/dist/main.js"), "--data-dir", dataDir, "--listen", listen, "--grpc-port", String(defaults.brokerGrpcPort), "--http-port", String(defaults.brokerHttpPort), "--tls-ip-addresses", ips.join(","), "--tls-dns-names", names.join(","), ...(values.globalnet === true ? ["--globalnet"] : []), ...passThrough];
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "inherit", "inherit"] });
  const exited = new Promise<number>((r) => child.once("exit", (code, signal) => { r(code ?? (signal === null ? 1 : 0)); }));
  const forward = (signal: NodeJS.Signals): void => { child.kill(signal); };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  try {
    await waitUntil("the broker's admin credential", async () => {
      if (child.exitCode !== null) throw new CliError("Failed", `isthmus-broker exited with ${child.exitCode}`);
      return access(join(dataDir, "admin.key")).then(() => true, () => undefined);
    }, { timeoutMs: 30_000 });
    const admin: BrokerAdmin = {
      kind: "isthmus-broker-admin", address: `${host}:${defaults.brokerGrpcPort}`,
      caPem: await readFile(join(dataDir, "ca.crt"), "utf8"), certPem: await readFile(join(dataDir, "admin.crt"), "utf8"), keyPem: await readFile(join(dataDir, "admin.key"), "utf8"),
      ...(/^[\d.:]+$/.test(host) ? {} : { serverName: host }),
    };
    const conn = await waitUntil("the broker to answer", () => openAdmin(admin).catch(() => undefined), { timeoutMs: 30_000 });
    try {
      const created = await conn.admin.createToken({ ttlSeconds: ttl, maxUses: 10, description: "isthmus broker run" });
      const infoFile = resolve(values.out ?? "broker-info.json");
      await writeBrokerFile(infoFile, { kind: "isthmus-broker-info", address: admin.address, caPem: admin.caPem, token: created.token, tokenExpiresAt: created.info?.expiresAt ?? "" });
      await writeBrokerFile(adminFileBeside(infoFile), admin);
      io.stderr.write(`✓ broker serving at ${admin.address}; wrote ${infoFile} and ${adminFileBeside(infoFile)}\n`);
    } finally {
      await conn.close();
    }
  } catch (err) {
    child.kill("SIGTERM");
    await exited;
    throw err;
  }
  const code = await exited;
  process.off("SIGINT", forward);
  process.off("SIGTERM", forward);
  return code;
}

async function removeCluster(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { "broker-admin": { type: "string" }, output: { type: "string", short: "o" } });
  const format = parseOutputFormat(values.output);
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) throw new CliError("UsageError", "Usage: isthmus broker remove-cluster <cluster-id> [--broker-admin FILE]");
  const clusterId = (() => {
    try {
      return parseClusterId(id);
    } catch (err) {
      throw new CliError("UsageError", `"${id}" is not a cluster id: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  })();
  const conn = await openAdmin(await readBrokerAdmin(resolve(values["broker-admin"] ?? "broker-admin.json")));
  try {
    const known = (await conn.admin.listClusters({})).clusters.some((c) => c.id === clusterId);
    if (!known) throw new CliError("Failed", `The broker has no cluster "${clusterId}"`);
    const out = await conn.admin.evictCluster({ id: clusterId });
    const result = { cluster: clusterId, recordsDeleted: out.deleted, certificatesRevoked: out.revokedCertificates, revision: out.revision };
    io.stdout.write(format === "table" ? `removed cluster ${clusterId}: ${out.deleted} records deleted, ${out.revokedCertificates} certificates revoked\n` : renderObject(format, result));
    return 0;
  } finally {
    await conn.close();
  }
}

/** `isthmus broker run` and `isthmus broker remove-cluster`. */
export function createBrokerCommand(): Command {
  return {
    name: "broker",
    help,
    run(args, io) {
      const [verb, ...rest] = args;
      if (verb === "run") return run(rest, io);
      if (verb === "remove-cluster") return removeCluster(rest, io);
      throw new CliError("UsageError", `${verb === undefined ? "Missing verb" : `Unknown verb "${verb}"`}: use run or remove-cluster`);
    },
  };
}
