/** Gateway labels and public-IP annotations on Nodes: set by join, removed by uninstall (only what join added). */
import type { V1Node } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf } from "@isthmus/core/kube";
import type { ClusterTarget } from "../kube/cluster.js";

async function updateNode(target: ClusterTarget, name: string, change: (node: V1Node) => boolean): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const node = await target.kube.core.readNode({ name });
    if (!change(node)) return false;
    try {
      await target.kube.core.replaceNode({ name, body: node });
      return true;
    } catch (err) {
      // A concurrent status update by the kubelet: read again and retry a few times.
      if (httpStatusOf(err) !== 409 || attempt >= 5) throw err;
    }
  }
}

/** Sets `key=value` in the node's labels or annotations; true when it was not already set so. */
export function setNodeMeta(target: ClusterTarget, options: { node: string; field: "labels" | "annotations"; key: string; value: string }): Promise<boolean> {
  return updateNode(target, options.node, (node) => {
    const meta = node.metadata ?? {};
    const map = { ...(meta[options.field] ?? {}) };
    if (map[options.key] === options.value) return false;
    map[options.key] = options.value;
    meta[options.field] = map;
    node.metadata = meta;
    return true;
  });
}

/** Removes `key` from the node's labels or annotations (idempotent). */
export async function removeNodeMeta(target: ClusterTarget, options: { node: string; field: "labels" | "annotations"; key: string }): Promise<void> {
  try {
    await updateNode(target, options.node, (node) => {
      const map = { ...(node.metadata?.[options.field] ?? {}) };
      if (!(options.key in map)) return false;
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a label key chosen at run time
      delete map[options.key];
      node.metadata = Object.assign(node.metadata ?? {}, { [options.field]: map });
      return true;
    });
  } catch (err) {
    if (httpStatusOf(err) !== 404) throw err;
  }
}

/** The nodes labelled as gateway candidates. */
export async function gatewayNodes(target: ClusterTarget): Promise<string[]> {
  const nodes = await target.kube.core.listNode({ labelSelector: `${defaults.gatewayNodeLabel}=true` });
  return nodes.items.map((n) => n.metadata?.name ?? "");
}
