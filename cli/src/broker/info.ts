/**
 * The two files `deploy-broker` and `broker run` write (JSON, mode 0600):
 * - broker-info: what a member cluster needs to join — the broker's address as agents reach
 *   it, its CA, a join token and when the token expires. Hand it to whoever runs `join`.
 * - broker-admin: the operator's admin credential and how this machine reaches the broker
 *   (possibly through a relay into a lab node's network namespace). Keep it private.
 */
import { readFile, writeFile } from "node:fs/promises";
import { CliError } from "../command.js";

/** What a member cluster needs to join. */
export interface BrokerInfo {
  readonly kind: "isthmus-broker-info";
  /** `host:port` the agents dial. */
  readonly address: string;
  /** Broker CA, PEM. */
  readonly caPem: string;
  /** Name in the broker's serving certificate when it differs from the address host. */
  readonly serverName?: string;
  /** Join token (secret). */
  readonly token: string;
  /** RFC 3339. */
  readonly tokenExpiresAt: string;
}

/** How the operator reaches the broker's admin API. */
export interface BrokerAdmin {
  readonly kind: "isthmus-broker-admin";
  /** `host:port` (or `unix:path`) this machine dials, unless `relayNetns` is set. */
  readonly address: string;
  readonly caPem: string;
  readonly serverName?: string;
  readonly certPem: string;
  /** Secret. */
  readonly keyPem: string;
  /** Dial `relayTarget` from inside this network namespace (a lab node) through a local relay. */
  readonly relayNetns?: string;
  readonly relayTarget?: string;
}

type Json = Record<string, unknown>;

function requireString(obj: Json, key: string, file: string): string {
  const v = obj[key];
  if (typeof v !== "string" || v === "") throw new CliError("Failed", `${file} is not a valid broker file: "${key}" is missing or not a string`);
  return v;
}

function optionalString(obj: Json, key: string): string | undefined {
  const v = obj[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

async function readJson(file: string, what: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new CliError("Failed", `Cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : String(err)}`, { cause: err });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not a JSON object");
    return value as Json;
  } catch (err) {
    throw new CliError("Failed", `${file} is not a valid ${what} file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Parses a broker-info object; throws CliError naming the field that is wrong. */
export function parseBrokerInfo(obj: Json, file: string): BrokerInfo {
  if (obj.kind !== "isthmus-broker-info") throw new CliError("Failed", `${file} is not a broker-info file (kind "${String(obj.kind)}", expected "isthmus-broker-info")`);
  const expires = requireString(obj, "tokenExpiresAt", file);
  if (Number.isNaN(Date.parse(expires))) throw new CliError("Failed", `${file}: tokenExpiresAt "${expires}" is not a date`);
  const caPem = requireString(obj, "caPem", file);
  if (!caPem.includes("BEGIN CERTIFICATE")) throw new CliError("Failed", `${file}: caPem is not a PEM certificate`);
  const serverName = optionalString(obj, "serverName");
  return { kind: "isthmus-broker-info", address: requireString(obj, "address", file), caPem, token: requireString(obj, "token", file), tokenExpiresAt: expires, ...(serverName === undefined ? {} : { serverName }) };
}

/** Reads a broker-info file; `now` checks the token's expiry. */
export async function readBrokerInfo(file: string, now: Date = new Date()): Promise<BrokerInfo> {
  const info = parseBrokerInfo(await readJson(file, "broker-info"), file);
  if (Date.parse(info.tokenExpiresAt) <= now.getTime()) {
    throw new CliError("Failed", `The join token in ${file} expired at ${info.tokenExpiresAt}: create a new one with "isthmus token create --broker-info ${file}"`);
  }
  return info;
}

/** Reads a broker-admin file. */
export async function readBrokerAdmin(file: string): Promise<BrokerAdmin> {
  const obj = await readJson(file, "broker-admin");
  if (obj.kind !== "isthmus-broker-admin") throw new CliError("Failed", `${file} is not a broker-admin file (kind "${String(obj.kind)}")`);
  const serverName = optionalString(obj, "serverName");
  const relayNetns = optionalString(obj, "relayNetns");
  const relayTarget = optionalString(obj, "relayTarget");
  return {
    kind: "isthmus-broker-admin",
    address: requireString(obj, "address", file),
    caPem: requireString(obj, "caPem", file),
    certPem: requireString(obj, "certPem", file),
    keyPem: requireString(obj, "keyPem", file),
    ...(serverName === undefined ? {} : { serverName }),
    ...(relayNetns === undefined ? {} : { relayNetns }),
    ...(relayTarget === undefined ? {} : { relayTarget }),
  };
}

/** Writes a broker file readable only by its owner. */
export async function writeBrokerFile(file: string, value: BrokerInfo | BrokerAdmin): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

/** The default admin file next to a broker-info file: `<dir>/broker-admin.json`. */
export function adminFileBeside(brokerInfoFile: string): string {
  const slash = brokerInfoFile.lastIndexOf("/");
  return `${slash < 0 ? "" : brokerInfoFile.slice(0, slash + 1)}broker-admin.json`;
}
