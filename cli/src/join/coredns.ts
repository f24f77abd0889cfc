/**
 * The CoreDNS stub zone for clusterset.local: a marked block appended to the Corefile in
 * ConfigMap kube-system/coredns, replaced on every join (idempotent) and removed by uninstall.
 */
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf } from "@isthmus/core/kube";
import type { ClusterTarget } from "../kube/cluster.js";

const begin = "# isthmus:begin (written by isthmus join, removed by isthmus uninstall)";
const end = "# isthmus:end";

/** The Corefile without our block. */
export function removeBlock(corefile: string): string {
  const start = corefile.indexOf(begin);
  if (start < 0) return corefile;
  const stop = corefile.indexOf(end, start);
  if (stop < 0) return corefile;
  const before = corefile.slice(0, start).replace(/\n+$/, "\n");
  return `${before}${corefile.slice(stop + end.length).replace(/^\n+/, "")}`;
}

/** The Corefile with our block forwarding the zone to `upstreams` (host:port), replacing an older block. */
export function addBlock(corefile: string, upstreams: readonly string[]): string {
  const block = [begin, `${defaults.dnsZone}:53 {`, "    errors", `    forward . ${upstreams.join(" ")}`, "}", end, ""].join("\n");
  const base = removeBlock(corefile);
  return `${base.endsWith("\n") || base === "" ? base : `${base}\n`}${block}`;
}

async function readCorefile(target: ClusterTarget): Promise<string | undefined> {
  try {
    const cm = await target.kube.core.readNamespacedConfigMap({ namespace: "kube-system", name: "coredns" });
    return cm.data?.Corefile;
  } catch (err) {
    if (httpStatusOf(err) === 404) return undefined;
    throw err;
  }
}

async function writeCorefile(target: ClusterTarget, corefile: string): Promise<void> {
  // Read-modify-replace: the resourceVersion makes a concurrent edit fail instead of being lost.
  const cm = await target.kube.core.readNamespacedConfigMap({ namespace: "kube-system", name: "coredns" });
  await target.kube.core.replaceNamespacedConfigMap({ namespace: "kube-system", name: "coredns", body: Object.assign(cm, { data: { ...cm.data, Corefile: corefile } }) });
}

/** Adds or refreshes the block; false when the cluster has no kube-system/coredns ConfigMap. */
export async function configureCoreDns(target: ClusterTarget, upstreams: readonly string[]): Promise<boolean> {
  const corefile = await readCorefile(target);
  if (corefile === undefined) return false;
  const next = addBlock(corefile, upstreams);
  if (next !== corefile) await writeCorefile(target, next);
  return true;
}

/** Removes the block (idempotent). */
export async function revertCoreDns(target: ClusterTarget): Promise<void> {
  const corefile = await readCorefile(target);
  if (corefile === undefined) return;
  const next = removeBlock(corefile);
  if (next !== corefile) await writeCorefile(target, next);
}
