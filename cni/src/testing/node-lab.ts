import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLogger } from "@isthmus/core/runtime";
import { type NodeAgent, type NodeRecord, createNodeAgent } from "../agent/agent.js";
import type { VxlanMode } from "../agent/overlay-plan.js";
import { createDatapathBackend } from "../datapath/backend.js";
import { createCommandRunner } from "../datapath/exec.js";
import { handleCniInvocation } from "../plugin/dispatch.js";
import { netnsPath } from "./netns.js";

/**
 * Node agents and pods in test namespaces: node i is `n${i + 1}` in namespace `nodes[i]`, its
 * install paths live under `work/node${i}`, and a pod is ADDed with the conflist its agent wrote
 * (so the pod gets the MTU the agent chose).
 */
export interface NodeLab {
  /** A fresh agent of node `i` (a restarted agent adopts what the last one built). */
  agent(i: number, options?: { readonly mode?: VxlanMode; readonly list?: () => readonly NodeRecord[] }): NodeAgent;
  /** ADDs pod namespace `podNs` on node `i` through the plugin's dispatch; returns its IPv4 address. */
  addPod(i: number, podNs: string): Promise<string>;
}

/** The helper for node namespaces `nodes` known to the API as `records` (work is a temp dir, read when called). */
export function nodeLab(options: { readonly work: () => string; readonly nodes: readonly string[]; readonly records: readonly NodeRecord[] }): NodeLab {
  const logger = createLogger({ level: "silent" });
  const nodeNs = (i: number): string => {
    const ns = options.nodes[i];
    if (ns === undefined) throw new Error(`no node namespace ${String(i)}`);
    return ns;
  };
  return {
    agent: (i, { mode, list = () => options.records } = {}) => {
      const dir = join(options.work(), `node${String(i)}`);
      return createNodeAgent({
        nodeName: `n${String(i + 1)}`,
        runner: createCommandRunner({ hostNetns: netnsPath(nodeNs(i)) }),
        nodes: { list },
        logger,
        ...(mode === undefined ? {} : { vxlanMode: mode }),
        paths: { cniBinDir: join(dir, "bin"), cniConfDir: join(dir, "net.d"), socketPath: join(dir, "cni.sock"), dataDir: join(dir, "ipam"), pluginMain: "/nonexistent/plugin-main.js", nodeBinary: process.execPath },
      });
    },
    addPod: async (i, podNs) => {
      const conflist = JSON.parse(await readFile(join(options.work(), `node${String(i)}`, "net.d", "10-isthmus.conflist"), "utf8")) as { cniVersion: string; name: string; plugins: Record<string, unknown>[] };
      const conf = { ...conflist.plugins[0], cniVersion: conflist.cniVersion, name: conflist.name };
      const backend = createDatapathBackend({ runner: createCommandRunner({ hostNetns: netnsPath(nodeNs(i)) }), hostNsRef: nodeNs(i) });
      const env = { CNI_COMMAND: "ADD", CNI_CONTAINERID: podNs, CNI_NETNS: netnsPath(podNs), CNI_IFNAME: "eth0" };
      const outcome = await handleCniInvocation(env, JSON.stringify(conf), backend);
      if (outcome.exitCode !== 0) throw new Error(`ADD of ${podNs} on node ${String(i)} failed: ${outcome.stdout}`);
      return ((JSON.parse(outcome.stdout) as { ips: { address: string }[] }).ips[0]?.address ?? "").split("/")[0] ?? "";
    },
  };
}
