/**
 * A small CNI runtime library (CNI spec 1.1.0, "Section 4: Plugin Delegation" and "Section 3:
 * Execution of Network Configurations"), doing what libcni does for a container runtime:
 *
 * - the network configuration is the first file in the conf dir, in lexical order, ending in
 *   `.conflist`, `.conf` or `.json`; a single-plugin `.conf` is wrapped into a list;
 * - each plugin gets the list's `name` and `cniVersion` injected into its own config, and for
 *   ADD/CHECK/DEL of the second plugin on the `prevResult` of the previous one (DEL and CHECK
 *   get the cached ADD result);
 * - ADD runs plugins in order, DEL in reverse order, CHECK in order (not before 0.4.0, not when
 *   `disableCheck`).
 *
 * This file holds the pure part (parsing, building env and stdin); `cni-invoke.ts` runs plugins.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, IsthmusError } from "@isthmus/core/errors";

/** Why a CNI operation failed; `PluginFailed` carries the plugin's error object. */
export type CniErrorCode = "InvalidConfig" | "PluginNotFound" | "PluginFailed" | "InvalidResult" | "IncompatibleVersion";

/** The spec's error object, as printed by a failing plugin. */
export interface CniPluginError {
  /** The spec's error code (1 incompatible version, 2 unsupported field, 3 unknown container, ... 11 try again). */
  readonly code: number;
  readonly msg: string;
  readonly details?: string;
}

/** Errors of the CNI library; `pluginError` is set when a plugin printed an error object. */
export class CniError extends IsthmusError<CniErrorCode> {
  /** The plugin's own error object, when it printed one. */
  readonly pluginError: CniPluginError | undefined;

  constructor(code: CniErrorCode, message: string, options?: { cause?: unknown; pluginError?: CniPluginError }) {
    super(code, message, options);
    this.pluginError = options?.pluginError;
  }
}

/** One plugin's config as written in the list (at least `type`). */
export type CniPluginConfig = Readonly<Record<string, unknown>> & { readonly type: string };

/** A network configuration list. */
export interface CniNetworkList {
  readonly cniVersion: string;
  readonly name: string;
  readonly disableCheck: boolean;
  readonly plugins: readonly CniPluginConfig[];
  /** File it was loaded from (for messages). */
  readonly source: string;
}

/** An ADD result (spec "Success"), the fields the runtime uses; the raw object is kept for chaining. */
export interface CniResult {
  readonly cniVersion: string;
  readonly interfaces: readonly { name: string; mac?: string; sandbox?: string }[];
  readonly ips: readonly { address: string; gateway?: string; interface?: number }[];
  /** The whole result as the plugin printed it (passed on as `prevResult`). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** CNI_COMMAND values. */
export type CniCommand = "ADD" | "DEL" | "CHECK";

/** The runtime's identity of one attachment. */
export interface CniAttachment {
  readonly containerId: string;
  /** Path of the network namespace, e.g. /run/netns/isthmus-pod-1234abcd. */
  readonly netns: string;
  readonly ifName: string;
  /** `CNI_ARGS` pairs; `IgnoreUnknown=1` is always sent first. */
  readonly args: Readonly<Record<string, string>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses a `.conflist` (or a `.conf`, wrapped into a list); throws CniError "InvalidConfig". */
export function parseNetworkList(text: string, source: string): CniNetworkList {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CniError("InvalidConfig", `CNI config ${source} is not JSON: ${errorMessage(err)}`, { cause: err });
  }
  if (!isRecord(value)) throw new CniError("InvalidConfig", `CNI config ${source} is not a JSON object`);
  const list = Array.isArray(value.plugins) ? value : { ...value, plugins: [value] };
  const { name, cniVersion, plugins } = list;
  if (typeof name !== "string" || name === "") throw new CniError("InvalidConfig", `CNI config ${source} has no "name"`);
  if (typeof cniVersion !== "string" || !/^\d+\.\d+\.\d+$/.test(cniVersion)) {
    throw new CniError("InvalidConfig", `CNI config ${source} has no valid "cniVersion"`);
  }
  if (!Array.isArray(plugins) || plugins.length === 0) {
    throw new CniError("InvalidConfig", `CNI config ${source} has no plugins`);
  }
  const checked = plugins.map((p: unknown, i) => {
    if (!isRecord(p) || typeof p.type !== "string" || !/^[\w.-]+$/.test(p.type)) {
      throw new CniError("InvalidConfig", `CNI config ${source}: plugin ${i} has no valid "type"`);
    }
    return p as CniPluginConfig;
  });
  return { cniVersion, name, disableCheck: list.disableCheck === true, plugins: checked, source };
}

/** The first network configuration in `confDir` (lexical order), or undefined when there is none. */
export async function loadNetworkList(confDir: string): Promise<CniNetworkList | undefined> {
  let files: string[];
  try {
    files = await readdir(confDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CniError("InvalidConfig", `Cannot list CNI conf dir ${confDir}: ${errorMessage(err)}`, { cause: err });
  }
  const first = files.filter((f) => /\.(conflist|conf|json)$/.test(f)).sort()[0];
  if (first === undefined) return undefined;
  const source = join(confDir, first);
  return parseNetworkList(await readFile(source, "utf8"), source);
}

/** The value of CNI_ARGS: `IgnoreUnknown=1;K=V;...`. */
export function formatCniArgs(args: Readonly<Record<string, string>>): string {
  return ["IgnoreUnknown=1", ...Object.entries(args).map(([k, v]) => `${k}=${v}`)].join(";");
}

/** The environment of one plugin invocation (the caller adds PATH). */
export function buildPluginEnv(command: CniCommand, attachment: CniAttachment, cniPath: string): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: attachment.containerId,
    CNI_NETNS: attachment.netns,
    CNI_IFNAME: attachment.ifName,
    CNI_ARGS: formatCniArgs(attachment.args),
    CNI_PATH: cniPath,
  };
}

/** The stdin of one plugin: its config plus the list's name and cniVersion, and `prevResult` when given. */
export function buildPluginStdin(
  list: CniNetworkList,
  plugin: CniPluginConfig,
  prevResult?: Readonly<Record<string, unknown>>,
): string {
  const config: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (prevResult === undefined) delete config.prevResult;
  else config.prevResult = prevResult;
  return JSON.stringify(config);
}

/** Parses a plugin's ADD output (spec 0.3.0 and later); throws CniError "InvalidResult". */
export function parseCniResult(text: string, plugin: string): CniResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CniError("InvalidResult", `CNI plugin ${plugin} printed no JSON result: ${errorMessage(err)}`, { cause: err });
  }
  if (!isRecord(value) || typeof value.cniVersion !== "string") {
    throw new CniError("InvalidResult", `CNI plugin ${plugin} printed a result without cniVersion`);
  }
  const interfaces = Array.isArray(value.interfaces) ? value.interfaces.filter(isRecord) : [];
  const ips = Array.isArray(value.ips) ? value.ips.filter(isRecord) : [];
  if (ips.some((ip) => typeof ip.address !== "string")) {
    throw new CniError("InvalidResult", `CNI plugin ${plugin} printed an IP without "address"`);
  }
  return {
    cniVersion: value.cniVersion,
    interfaces: interfaces.map((i) => ({
      name: typeof i.name === "string" ? i.name : "",
      ...(typeof i.mac === "string" ? { mac: i.mac } : {}),
      ...(typeof i.sandbox === "string" ? { sandbox: i.sandbox } : {}),
    })),
    ips: ips.map((ip) => ({
      address: String(ip.address),
      ...(typeof ip.gateway === "string" ? { gateway: ip.gateway } : {}),
      ...(typeof ip.interface === "number" ? { interface: ip.interface } : {}),
    })),
    raw: value,
  };
}

/** The first IP of a result without its prefix length (the pod IP), or undefined. */
export function firstIp(result: CniResult): string | undefined {
  return result.ips[0]?.address.split("/")[0];
}

/** Parses a failing plugin's stdout as the spec's error object, or undefined if it is not one. */
export function parsePluginError(text: string): CniPluginError | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value) || typeof value.code !== "number") return undefined;
    const msg = typeof value.msg === "string" ? value.msg : "";
    return typeof value.details === "string" ? { code: value.code, msg, details: value.details } : { code: value.code, msg };
  } catch {
    return undefined;
  }
}

/** True when `version` (x.y.z) supports CHECK (0.4.0 and later). */
export function hasCheck(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 0 || minor >= 4;
}
