/**
 * wireguard-go prints `wireguard-go v0.0.YYYYMMDD` on `--version`. Builds before 2023-02 lack the
 * TUN (virtio-net header, TSO/GRO) and UDP GSO/GRO offloads and carry a fraction of what a
 * current build does (Debian 12 packages 0.0.20220316: docs/adr/0503-wireguard-data-path.md).
 */

/** The first wireguard-go release with the TUN and UDP offloads (0.0.20230223). */
export const firstOffloadRelease = "20230223";

/** What `wireguard-go --version` says about a build. */
export interface WireguardGoVersion {
  /** The version text, e.g. "v0.0.20250522". */
  readonly version: string;
  /** True when the release predates the offloads. */
  readonly outdated: boolean;
}

/** Parses the first line of `wireguard-go --version`; undefined when it is not one. */
export function parseWireguardGoVersion(output: string): WireguardGoVersion | undefined {
  const match = /^wireguard-go (v?0\.0\.(\d{8}))\b/m.exec(output);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { version: match[1], outdated: match[2] < firstOffloadRelease };
}
