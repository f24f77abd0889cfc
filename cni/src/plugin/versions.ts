/** The CNI spec versions this plugin speaks, oldest first; results use the requested one's format. */
export const supportedVersions = Object.freeze(["0.4.0", "1.0.0", "1.1.0"] as const);

/** One of {@link supportedVersions}. */
export type CniVersion = (typeof supportedVersions)[number];

/** The newest version, used for answers when the request named none. */
export const latestVersion: CniVersion = "1.1.0";

/** True when `version` is one we speak. */
export function isSupportedVersion(version: string): version is CniVersion {
  return (supportedVersions as readonly string[]).includes(version);
}

/** One interface of an attachment result. */
export interface ResultInterface {
  /** Name: the host veth or the container's interface. */
  readonly name: string;
  /** MAC address, lowercase. */
  readonly mac: string;
  /** The container's netns path for container-side interfaces; absent for host ones. */
  readonly sandbox?: string;
  /** Interface MTU (reported from 1.1.0 on). */
  readonly mtu?: number;
}

/** One address of an attachment result. */
export interface ResultIp {
  /** `address/prefix`. */
  readonly address: string;
  /** The gateway of that subnet. */
  readonly gateway?: string;
  /** Index into `interfaces`. */
  readonly interface: number;
}

/** One route of an attachment result. */
export interface ResultRoute {
  readonly dst: string;
  readonly gw?: string;
}

/** The version-neutral result of an ADD (and the parsed `prevResult` of CHECK/DEL). */
export interface AttachmentResult {
  readonly interfaces: readonly ResultInterface[];
  readonly ips: readonly ResultIp[];
  readonly routes: readonly ResultRoute[];
}

/**
 * The result object printed for ADD in the format of `version`: 0.4.0 adds `version: "4"|"6"` to
 * each IP; 1.1.0 reports interface MTUs; 1.0.0 neither.
 */
export function formatResult(result: AttachmentResult, version: CniVersion): Record<string, unknown> {
  const interfaces = result.interfaces.map((i) => {
    const base: Record<string, unknown> = { name: i.name, mac: i.mac };
    if (i.sandbox !== undefined) base.sandbox = i.sandbox;
    if (version === "1.1.0" && i.mtu !== undefined) base.mtu = i.mtu;
    return base;
  });
  const ips = result.ips.map((ip) => {
    const base: Record<string, unknown> = version === "0.4.0" ? { version: ip.address.includes(":") ? "6" : "4" } : {};
    return { ...base, address: ip.address, ...(ip.gateway === undefined ? {} : { gateway: ip.gateway }), interface: ip.interface };
  });
  return { cniVersion: version, interfaces, ips, routes: result.routes.map((r) => ({ ...r })), dns: {} };
}

/** The answer to VERSION. */
export function formatVersionInfo(requested: string | undefined): Record<string, unknown> {
  return { cniVersion: requested !== undefined && isSupportedVersion(requested) ? requested : latestVersion, supportedVersions: [...supportedVersions] };
}

/** The version a runtime asked for, read even from a config that fails validation (for the error object). */
export function peekCniVersion(stdin: string): string | undefined {
  try {
    const value: unknown = JSON.parse(stdin);
    if (typeof value === "object" && value !== null && "cniVersion" in value && typeof value.cniVersion === "string") {
      return value.cniVersion;
    }
  } catch {
    // Not JSON: parseNetConf reports the decoding failure; here we only peek.
  }
  return undefined;
}

/**
 * The whole answer to VERSION for a given stdin: the plugin process answers with it before it
 * loads anything else (issue #23), and the dispatcher with the same function.
 */
export function answerVersion(stdin: string): string {
  return JSON.stringify(formatVersionInfo(peekCniVersion(stdin)));
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a prevResult of any supported version into the neutral form; undefined when unusable. */
export function parsePrevResult(value: Readonly<Record<string, unknown>> | undefined): AttachmentResult | undefined {
  if (value === undefined) return undefined;
  const interfaces = Array.isArray(value.interfaces) ? value.interfaces.filter(isRecord) : [];
  const ips = Array.isArray(value.ips) ? value.ips.filter(isRecord) : [];
  const routes = Array.isArray(value.routes) ? value.routes.filter(isRecord) : [];
  return {
    interfaces: interfaces.map((i) => ({
      name: str(i.name),
      mac: str(i.mac),
      ...(typeof i.sandbox === "string" ? { sandbox: i.sandbox } : {}),
      ...(typeof i.mtu === "number" ? { mtu: i.mtu } : {}),
    })),
    ips: ips.map((ip) => ({
      address: str(ip.address),
      ...(typeof ip.gateway === "string" ? { gateway: ip.gateway } : {}),
      interface: typeof ip.interface === "number" ? ip.interface : -1,
    })),
    routes: routes.map((r) => ({ dst: str(r.dst), ...(typeof r.gw === "string" ? { gw: r.gw } : {}) })),
  };
}
