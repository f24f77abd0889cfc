import { request } from "node:https";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { CliError, type Command, type CommandIo, parseCommandArgs, parseOutputFormat } from "../command.js";
import { openAdmin, type AdminConnection } from "../broker/admin.js";
import { readBrokerAdmin, writeBrokerFile, type BrokerAdmin } from "../broker/info.js";
import { renderData, renderObject } from "../output.js";

const help = `Usage: isthmus token <create|list|revoke> [options]

Tokens of the broker (admin API). A join token lets a cluster obtain its broker certificate
once; it expires and has a number of uses. A dashboard token (--viewer: read-only;
--dashboard-admin: also lists and revokes tokens) signs a browser in to the broker's dashboard
until it expires or is revoked; it cannot join a cluster.

Verbs:
  create [--ttl 24h] [--uses 1] [--cluster-id ID] [--description TEXT] [--out FILE]
                      Create a join token; prints it, or with --out writes a broker-info file for join
  create --viewer|--dashboard-admin [--ttl 24h] [--description TEXT] [--dashboard URL]
                      Create a dashboard token (at most 30d) through the dashboard's API with the
                      admin certificate; URL defaults to https://<broker host>:7444
  list [-o table|json|yaml]
  revoke ID           Revoke a token (clusters that already joined keep their certificate)

Common option:
  --broker-admin FILE The admin file written by deploy-broker / broker run (default ./broker-admin.json)

Examples:
  isthmus token create --ttl 2h --cluster-id c3 --out c3-broker-info.json
  isthmus token create --viewer --ttl 7d --description "on-call screen"
  isthmus token list -o json
  isthmus token revoke 5f2c9a`;

/** Parses `30s`, `15m`, `2h`, `7d` into seconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 } as const;
  if (match?.[1] === undefined || match[2] === undefined) throw new CliError("UsageError", `${flag} must be a duration like 30m, 2h or 7d, got "${value}"`);
  const seconds = Number(match[1]) * unit[match[2] as keyof typeof unit];
  if (seconds < 1 || seconds > 365 * 86400) throw new CliError("UsageError", `${flag} must be between 1s and 365d, got "${value}"`);
  return seconds;
}

async function withAdmin<T>(file: string | undefined, fn: (conn: AdminConnection) => Promise<T>): Promise<T> {
  const conn = await openAdmin(await readBrokerAdmin(resolve(file ?? "broker-admin.json")));
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

const adminOption = { "broker-admin": { type: "string" } } as const;

async function create(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...adminOption,
    ttl: { type: "string" },
    uses: { type: "string" },
    "cluster-id": { type: "string" },
    description: { type: "string" },
    out: { type: "string" },
    viewer: { type: "boolean" },
    "dashboard-admin": { type: "boolean" },
    dashboard: { type: "string" },
  });
  if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
  const ttlSeconds = parseDuration(values.ttl ?? "24h", "--ttl");
  if (values.viewer === true || values["dashboard-admin"] === true) {
    if (values.viewer === true && values["dashboard-admin"] === true) throw new CliError("UsageError", "Choose one of --viewer and --dashboard-admin");
    const joinOnly = (["uses", "cluster-id", "out"] as const).find((f) => values[f] !== undefined);
    if (joinOnly !== undefined) throw new CliError("UsageError", `--${joinOnly} is for join tokens, not dashboard tokens`);
    const scope = values.viewer === true ? "viewer" : "admin";
    const admin = await readBrokerAdmin(resolve(values["broker-admin"] ?? "broker-admin.json"));
    const url = values.dashboard ?? defaultDashboardUrl(admin);
    const created = await createDashboardToken(admin, url, { scope, ttlSeconds, description: values.description ?? `isthmus token create --${values.viewer === true ? "viewer" : "dashboard-admin"}` });
    io.stdout.write(`${created.token}\n`);
    io.stderr.write(`dashboard ${scope} token id ${created.info.id}, expires ${created.info.expiresAt}; sign in at ${url}\n`);
    return 0;
  }
  if (values.dashboard !== undefined) throw new CliError("UsageError", "--dashboard goes with --viewer or --dashboard-admin");
  const uses = Number(values.uses ?? "1");
  if (!Number.isInteger(uses) || uses < 1 || uses > 1000) throw new CliError("UsageError", `--uses must be a whole number from 1 to 1000, got "${values.uses ?? ""}"`);
  const adminFile = resolve(values["broker-admin"] ?? "broker-admin.json");
  const admin = await readBrokerAdmin(adminFile);
  const created = await withAdmin(adminFile, (c) => c.admin.createToken({ ttlSeconds, maxUses: uses, description: values.description ?? "isthmus token create", ...(values["cluster-id"] === undefined ? {} : { clusterId: values["cluster-id"] }) }));
  if (values.out !== undefined) {
    await writeBrokerFile(resolve(values.out), { kind: "isthmus-broker-info", address: admin.address, caPem: admin.caPem, token: created.token, tokenExpiresAt: created.info?.expiresAt ?? "" });
    io.stdout.write(`token ${created.info?.id ?? ""} (expires ${created.info?.expiresAt ?? ""}) written to ${resolve(values.out)}\n`);
  } else {
    io.stdout.write(`${created.token}\n`);
    io.stderr.write(`token id ${created.info?.id ?? ""}, expires ${created.info?.expiresAt ?? ""}, ${uses} use(s)\n`);
  }
  return 0;
}

/** The dashboard's default address: the broker's host, port 7444. */
function defaultDashboardUrl(admin: BrokerAdmin): string {
  if (admin.relayNetns !== undefined || admin.address.startsWith("unix:")) {
    throw new CliError("UsageError", `The broker is reached through ${admin.relayNetns === undefined ? admin.address : `network namespace ${admin.relayNetns}`}: pass --dashboard https://HOST:PORT`);
  }
  const host = admin.address.replace(/:\d+$/, "");
  return `https://${host}:7444`;
}

/** POST /api/v1/tokens on the dashboard with the admin client certificate. */
function createDashboardToken(
  admin: BrokerAdmin,
  url: string,
  body: { readonly scope: "viewer" | "admin"; readonly ttlSeconds: number; readonly description: string },
): Promise<{ token: string; info: { id: string; expiresAt: string } }> {
  let target: URL;
  try {
    target = new URL("/api/v1/tokens", url);
  } catch (err) {
    throw new CliError("UsageError", `--dashboard must be a URL like https://broker:7444, got "${url}"`, { cause: err });
  }
  if (target.protocol !== "https:") throw new CliError("UsageError", `--dashboard must be an https:// URL, got "${url}"`);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const servername = admin.serverName ?? (isIP(host) === 0 ? host : undefined);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      target,
      {
        method: "POST",
        ca: admin.caPem,
        cert: admin.certPem,
        key: admin.keyPem,
        ...(servername === undefined ? {} : { servername }),
        headers: { "content-type": "application/json" },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: { token?: string; info?: { id: string; expiresAt: string }; error?: { code: string; message: string } } = {};
          try {
            parsed = JSON.parse(text) as typeof parsed;
          } catch {
            parsed = {}; // not JSON: reported below with the status
          }
          if (res.statusCode === 201 && parsed.token !== undefined && parsed.info !== undefined) resolvePromise({ token: parsed.token, info: parsed.info });
          else reject(new CliError("Failed", `The broker refused the dashboard token (${res.statusCode ?? 0}${parsed.error === undefined ? "" : ` ${parsed.error.code}: ${parsed.error.message}`})`));
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer in 10 s")));
    req.on("error", (err) => {
      reject(new CliError("Failed", `Cannot reach the broker's dashboard at ${url}: ${err.message}`, { cause: err }));
    });
    req.end(JSON.stringify(body));
  });
}

async function list(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs(args, { ...adminOption, output: { type: "string", short: "o" } });
  const format = parseOutputFormat(values.output);
  const { tokens } = await withAdmin(values["broker-admin"], (c) => c.admin.listTokens({}));
  const rows = tokens;
  io.stdout.write(format === "table" ? renderData("table", rows, [
    { header: "ID", value: (t) => t.id },
    { header: "CLUSTER", value: (t) => t.clusterId ?? "*" },
    { header: "USES", value: (t) => `${t.uses}/${t.maxUses}` },
    { header: "EXPIRES", value: (t) => t.expiresAt },
    { header: "REVOKED", value: (t) => String(t.revoked) },
    { header: "DESCRIPTION", value: (t) => t.description },
  ]) : renderObject(format, rows));
  return 0;
}

async function revoke(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, adminOption);
  const [id] = positionals;
  if (id === undefined || positionals.length > 1) throw new CliError("UsageError", "revoke takes one token id (see isthmus token list)");
  const { info } = await withAdmin(values["broker-admin"], (c) => c.admin.revokeToken({ id }));
  io.stdout.write(`token ${info?.id ?? id} revoked\n`);
  return 0;
}

/** `isthmus token create|list|revoke`. */
export function createTokenCommand(): Command {
  return {
    name: "token",
    help,
    run(args, io) {
      const [verb, ...rest] = args;
      switch (verb) {
        case "create":
          return create(rest, io);
        case "list":
          return list(rest, io);
        case "revoke":
          return revoke(rest, io);
        default:
          throw new CliError("UsageError", `${verb === undefined ? "Missing verb" : `Unknown verb "${verb}"`}: use create, list or revoke`);
      }
    },
  };
}
