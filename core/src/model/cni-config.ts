/**
 * What a route agent found in its node's CNI config directory (issue #18, ADR 0408). The route
 * agent publishes it on its Node as the annotation `isthmus.io/cni-config` (`defaults.cniConfigAnnotation`);
 * `isthmus join` and `isthmus diagnose` read it, so they can name the CNI without node access.
 * The text form is read by people and parsed back here:
 * - `10-flannel.conflist: cbr0 (flannel, portmap)`: the file the runtime uses, its network name,
 *   its plugin types in chain order;
 * - `no CNI config in /etc/cni/net.d`;
 * - `10-x.conf: unreadable: <why>` (one line).
 */

/** A node's CNI config as its route agent reported it. */
export type CniConfigReport =
  | { readonly kind: "config"; readonly file: string; readonly network: string; readonly plugins: readonly string[] }
  | { readonly kind: "none"; readonly dir: string }
  | { readonly kind: "unreadable"; readonly file: string; readonly reason: string };

/** A CNI plugin type as the text form carries it (a binary name). */
export const cniPluginTypePattern = /^[\w.-]+$/;

/** Longest reason kept in an `unreadable` report (annotations are for short values). */
const maxReason = 200;

const noConfig = /^no CNI config in (?<dir>.+)$/;
const unreadable = /^(?<file>[^:]+): unreadable: (?<reason>.*)$/;
const config = /^(?<file>[^:]+): (?<network>.+) \((?<plugins>[\w.-]+(?:, [\w.-]+)*)\)$/;

/** The text form of a report (the annotation's value). */
export function formatCniConfigReport(report: CniConfigReport): string {
  switch (report.kind) {
    case "config":
      return `${report.file}: ${report.network} (${report.plugins.join(", ")})`;
    case "none":
      return `no CNI config in ${report.dir}`;
    case "unreadable": {
      const reason = report.reason.replace(/\s+/g, " ").trim();
      return `${report.file}: unreadable: ${reason.length > maxReason ? `${reason.slice(0, maxReason - 1)}…` : reason}`;
    }
  }
}

/** Parses the text form back; undefined when `text` is not one (an annotation written by hand). */
export function parseCniConfigReport(text: string): CniConfigReport | undefined {
  const none = noConfig.exec(text)?.groups;
  if (none?.dir !== undefined) return { kind: "none", dir: none.dir };
  const bad = unreadable.exec(text)?.groups;
  if (bad?.file !== undefined && bad.reason !== undefined) return { kind: "unreadable", file: bad.file, reason: bad.reason };
  const good = config.exec(text)?.groups;
  if (good?.file === undefined || good.network === undefined || good.plugins === undefined) return undefined;
  return { kind: "config", file: good.file, network: good.network, plugins: good.plugins.split(", ") };
}
