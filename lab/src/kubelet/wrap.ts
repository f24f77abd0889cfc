/**
 * How a container process is started (ADR 0320): in a mount namespace of its own, with
 * the pod's volumes (service-account token, ConfigMaps, resolv.conf) bind-mounted onto their
 * paths, and — for workload pods — in the pod's network namespace:
 *
 *   [nsenter --net=/run/netns/<pod> --] unshare --mount --propagation slave -- \
 *     sh -c <fixed script> isthmus-pod-init SRC DST ro|rw ... -- <argv>
 *
 * The shell script is a constant; every path and argument reaches it as a positional parameter,
 * never interpolated into shell text. It creates each missing mount target (a directory for a
 * directory, an empty file for a file), bind-mounts, remounts read-only where asked, and `exec`s
 * the program, so the spawned pid is the program's pid (nsenter and unshare exec too).
 *
 * Propagation is `slave` (Kubernetes' HostToContainer): the pod's own bind mounts never reach
 * the node, while mounts the node makes later under a shared mount — new pod network
 * namespaces in /run/netns (see `prepareNetnsDir`) — do reach the pod (the CNI agent needs them).
 */
import type { Mount } from "./volumes.js";

/** The mount script (constant): consumes `SRC DST MODE` triples up to `--`, then execs the rest. */
export const mountScript = [
  'while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do',
  '  if [ -d "$1" ]; then mkdir -p "$2" || exit 126;',
  '  else mkdir -p "$(dirname "$2")" && { [ -e "$2" ] || : > "$2"; } || exit 126; fi',
  '  mount --bind "$1" "$2" || exit 126',
  '  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2" || exit 126; fi',
  "  shift 3",
  "done",
  "shift",
  'exec "$@"',
].join("\n");

/** Options of {@link wrapArgv}. */
export interface WrapOptions {
  /** Name of the pod's network namespace under /run/netns; absent for hostNetwork pods. */
  readonly netns?: string;
  readonly mounts: readonly Mount[];
}

/** The argv that runs `argv` with the mounts in a private mount namespace (and the pod's netns). */
export function wrapArgv(argv: readonly string[], options: WrapOptions): string[] {
  const enter = options.netns === undefined ? [] : ["nsenter", `--net=/run/netns/${options.netns}`, "--"];
  const triples = options.mounts.flatMap((m) => [m.source, m.target, m.readOnly ? "ro" : "rw"]);
  return [...enter, "unshare", "--mount", "--propagation", "slave", "--", "sh", "-c", mountScript, "isthmus-pod-init", ...triples, "--", ...argv];
}

/** The resolv.conf of a pod using the cluster DNS (dnsPolicy ClusterFirst). */
export function clusterResolvConf(options: { namespace: string; clusterDns: string; clusterDomain: string }): string {
  const { namespace, clusterDns, clusterDomain } = options;
  return [
    `nameserver ${clusterDns}`,
    `search ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}`,
    "options ndots:5",
    "",
  ].join("\n");
}

/** True when the pod's resolv.conf is the cluster one (ClusterFirst, or ClusterFirstWithHostNet on the host network). */
export function usesClusterDns(spec: { hostNetwork?: boolean; dnsPolicy?: string }): boolean {
  const policy = spec.dnsPolicy ?? "ClusterFirst";
  return spec.hostNetwork === true ? policy === "ClusterFirstWithHostNet" : policy === "ClusterFirst" || policy === "ClusterFirstWithHostNet";
}
