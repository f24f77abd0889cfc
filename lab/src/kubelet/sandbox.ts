/**
 * The network sandbox of a workload pod: a named network namespace (`ip netns add`, so it lives
 * under the node's /run/netns) wired by the node's CNI configuration exactly as a runtime does
 * it (ContainerID = pod uid, IfName eth0, K8S_POD_* args). A failed ADD is rolled back with DEL
 * and the namespace removed, so a retry starts clean. Teardown is idempotent.
 */
import { access, mkdir, readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { errorMessage } from "@isthmus/core/errors";
import { runCommand } from "@isthmus/core/runtime";
import { CniError, firstIp, loadNetworkList, type CniAttachment } from "./cni.js";
import { addNetworkList, delNetworkList } from "./cni-invoke.js";
import { KubeletError } from "./errors.js";

/** Deadline of each `ip` command. */
const commandTimeoutMs = 30_000;

/** Identity of the pod the sandbox is for. */
export interface SandboxPod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
}

/** Where CNI lives on this node. */
export interface SandboxOptions {
  readonly cniConfDir: string;
  readonly cniBinDir: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** Prefix of pod network namespace names; default "isthmus-pod-" (tests use "isthmus-test-"). */
  readonly netnsPrefix?: string;
}

/** A wired sandbox. */
export interface Sandbox {
  readonly netns: string;
  readonly ip: string;
  /** The ADD result, kept for DEL's prevResult. */
  readonly cniResult: Readonly<Record<string, unknown>>;
}

/**
 * Makes /run/netns a shared mount point, as `ip netns add` does on first use, but before any pod
 * starts: pods' mount namespaces are slaves of the node's, so network namespaces added later
 * appear in pods started earlier (e.g. the CNI agent). Idempotent.
 */
export async function prepareNetnsDir(options: { signal?: AbortSignal } = {}): Promise<void> {
  await mkdir("/run/netns", { recursive: true });
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const entry = mountinfo.split("\n").findLast((line) => line.split(" ")[4] === "/run/netns");
  if (entry?.includes(" shared:") === true) return;
  if (entry === undefined) await runCommand(["mount", "--bind", "/run/netns", "/run/netns"], withSignal(options));
  await runCommand(["mount", "--make-shared", "/run/netns"], withSignal(options));
}

/** `<prefix><first 8 hex digits of the uid>`, by default `isthmus-pod-1234abcd`. */
export function netnsName(uid: string, prefix = "isthmus-pod-"): string {
  return `${prefix}${uid.replace(/-/g, "").slice(0, 8)}`;
}

function attachment(pod: SandboxPod, netns: string): CniAttachment {
  return {
    containerId: pod.uid,
    netns: `/run/netns/${netns}`,
    ifName: "eth0",
    args: { K8S_POD_NAMESPACE: pod.namespace, K8S_POD_NAME: pod.name, K8S_POD_UID: pod.uid },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Creates the netns and runs CNI ADD; KubeletError "NetworkNotReady" when there is no CNI config yet. */
export async function createSandbox(pod: SandboxPod, options: SandboxOptions): Promise<Sandbox> {
  const list = await loadNetworkList(options.cniConfDir);
  if (list === undefined) {
    throw new KubeletError("NetworkNotReady", `No CNI configuration in ${options.cniConfDir} yet`);
  }
  const netns = netnsName(pod.uid, options.netnsPrefix);
  if (!(await exists(`/run/netns/${netns}`))) await runCommand(["ip", "netns", "add", netns], withSignal(options));
  await runCommand(["ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up"], withSignal(options));
  const invoke = { cniPath: options.cniBinDir, ...(options.signal === undefined ? {} : { signal: options.signal }) };
  try {
    const result = await addNetworkList(list, attachment(pod, netns), invoke);
    const ip = firstIp(result);
    if (ip === undefined) throw new CniError("InvalidResult", `CNI network ${list.name} returned no IP for pod ${pod.namespace}/${pod.name}`);
    return { netns, ip, cniResult: result.raw };
  } catch (err) {
    await teardownSandbox(pod, { ...options, netns }).catch((cleanup: unknown) => {
      options.logger.warn({ err: cleanup }, "rollback of a failed CNI ADD failed; the next attempt runs DEL again");
    });
    throw err;
  }
}

/** CNI DEL (with the cached ADD result when known) and `ip netns del`; idempotent. */
export async function teardownSandbox(
  pod: SandboxPod,
  options: SandboxOptions & { readonly netns: string; readonly cniResult?: Readonly<Record<string, unknown>> },
): Promise<void> {
  const list = await loadNetworkList(options.cniConfDir);
  if (list === undefined) {
    options.logger.warn({ netns: options.netns }, "no CNI configuration to run DEL with; removing the namespace only");
  } else {
    await delNetworkList(list, attachment(pod, options.netns), {
      cniPath: options.cniBinDir,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.cniResult === undefined ? {} : { prevResult: options.cniResult }),
    });
  }
  if (await exists(`/run/netns/${options.netns}`)) {
    try {
      await runCommand(["ip", "netns", "del", options.netns], withSignal(options));
    } catch (err) {
      throw new KubeletError("CommandFailed", `Cannot remove network namespace ${options.netns}: ${errorMessage(err)}`, { cause: err });
    }
  }
}

function withSignal(options: { signal?: AbortSignal }): { signal?: AbortSignal; timeoutMs: number } {
  return options.signal === undefined ? { timeoutMs: commandTimeoutMs } : { signal: options.signal, timeoutMs: commandTimeoutMs };
}
