/**
 * The route agent publishes its node's CNI config (cni-config.ts) on its own Node as the
 * annotation `isthmus.io/cni-config`, the way flannel, Calico and Cilium publish what their node
 * agents know; `isthmus join` and `isthmus diagnose` read it (ADR 0408). The directory is read
 * again at every resync (a CNI installed after the agent shows up within one resync), and the
 * Node is written only when the value changed: the first sync compares with the Node, later ones
 * with the last value written. Writes are merge patches of that one key, so nothing else on the
 * Node is touched. The annotation goes with the agent: a stopping agent withdraws it, and so do
 * `isthmus-route-agent --uninstall` (when it has API access) and `isthmus uninstall`.
 */
import { type CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { httpStatusOf } from "@isthmus/core/kube";
import { formatCniConfigReport } from "@isthmus/core/model";
import type { Logger } from "@isthmus/core/runtime";
import { readCniConfig } from "./cni-config.js";

/** One annotation of one Node. */
export interface NodeAnnotation {
  /** The annotation's value on the Node now (undefined when absent). Throws on API failure. */
  read(): Promise<string | undefined>;
  /** Sets it (a string) or removes it (null) with a merge patch of just that key; idempotent. Throws on API failure, including a missing Node. */
  write(value: string | null): Promise<void>;
}

/** The annotation `key` of Node `nodeName`, over the API (needs `get` and `patch` on nodes). */
export function createNodeAnnotation(core: CoreV1Api, options: { readonly nodeName: string; readonly key: string }): NodeAnnotation {
  const { nodeName: name, key } = options;
  return {
    async read() {
      return (await core.readNode({ name })).metadata?.annotations?.[key];
    },
    async write(value) {
      await core.patchNode({ name, body: { metadata: { annotations: { [key]: value } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    },
  };
}

/** Keeps the node's CNI config annotation in step with its CNI config directory. */
export interface CniConfigReporter {
  /** Reads the directory and writes the annotation if its value changed; returns the value. Throws on API failure (the caller retries; nothing is recorded as written). */
  sync(): Promise<string>;
  /** Removes the annotation; a missing Node counts as done. Throws on other API failures (the caller logs). */
  withdraw(): Promise<void>;
}

/** Creates a {@link CniConfigReporter} for directory `dir` (as the runtime's config dir, e.g. /etc/cni/net.d). */
export function createCniConfigReporter(options: { readonly dir: string; readonly annotation: NodeAnnotation; readonly logger: Logger }): CniConfigReporter {
  const { annotation, logger } = options;
  let written: string | undefined;
  let known = false;
  return {
    async sync() {
      const value = formatCniConfigReport(await readCniConfig(options.dir));
      if (!known) {
        written = await annotation.read();
        known = true;
      }
      if (value === written) return value;
      await annotation.write(value);
      logger.info({ annotation: defaults.cniConfigAnnotation, value, previous: written }, "published the node's CNI config");
      written = value;
      return value;
    },
    async withdraw() {
      try {
        await annotation.write(null);
      } catch (err) {
        if (httpStatusOf(err) !== 404) throw err;
      }
      written = undefined;
      known = true;
    },
  };
}

/**
 * Removes the annotation once `after` (a write in flight) has settled, giving up after `ms`.
 * Never throws: a failure is logged at warn, safe because `isthmus uninstall` removes the
 * annotation from every Node too. True when it was removed.
 */
export async function withdrawCniConfig(reporter: CniConfigReporter, options: { readonly ms: number; readonly logger: Logger; readonly after?: Promise<unknown> }): Promise<boolean> {
  const log = options.logger.child({ annotation: defaults.cniConfigAnnotation });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => { resolve("timeout"); }, options.ms);
  });
  try {
    const done = await Promise.race([(options.after ?? Promise.resolve()).then(() => reporter.withdraw()).then(() => "done" as const), deadline]);
    if (done === "done") return true;
    log.warn({ ms: options.ms }, "could not remove the node's CNI config annotation in time; isthmus uninstall removes it");
  } catch (err) {
    log.warn({ err }, "could not remove the node's CNI config annotation; isthmus uninstall removes it");
  } finally {
    clearTimeout(timer);
  }
  return false;
}
