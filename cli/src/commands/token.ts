import { resolve } from "node:path";
import { CliError, type Command, type CommandIo, parseCommandArgs, parseOutputFormat } from "../command.js";
import { openAdmin, type AdminConnection } from "../broker/admin.js";
import { readBrokerAdmin, writeBrokerFile } from "../broker/info.js";
import { renderData, renderObject } from "../output.js";

const help = `Usage: isthmus token <create|list|revoke> [options]

Join tokens of the broker (admin API). A token lets a cluster obtain its broker certificate
once; it expires and has a number of uses.

Verbs:
  create [--ttl 24h] [--uses 1] [--cluster-id ID] [--description TEXT] [--out FILE]
                      Create a token; prints it, or with --out writes a broker-info file for join
  list [-o table|json|yaml]
  revoke ID           Revoke a token (clusters that already joined keep their certificate)

Common option:
  --broker-admin FILE The admin file written by deploy-broker / broker run (default ./broker-admin.json)

Examples:
  isthmus token create --ttl 2h --cluster-id c3 --out c3-broker-info.json
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
  const { values, positionals } = parseCommandArgs(args, { ...adminOption, ttl: { type: "string" }, uses: { type: "string" }, "cluster-id": { type: "string" }, description: { type: "string" }, out: { type: "string" } });
  if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
  const ttlSeconds = parseDuration(values.ttl ?? "24h", "--ttl");
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
    summary: "Create, list and revoke join tokens of the broker",
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
