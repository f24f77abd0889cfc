import { access } from "node:fs/promises";
import { join } from "node:path";
import { KubeletError } from "./errors.js";

/**
 * Image registry of the lab kubelet: what an image name runs. There are no container images in
 * the lab; an image names an entry point of this checkout.
 *
 * - `isthmus/<component>:<tag>` (hostNetwork pods) → `node <repoRoot>/<entry>`; the tag is
 *   ignored (the checkout is the version). `command[0]` stands for the image's own binary and is
 *   replaced by the entry; the rest of `command` and then `args` follow.
 * - `lab/<kind>[:tag]` (workload pods) → `node <repoRoot>/lab/dist/workloads/main.js <kind>`,
 *   then `command` and `args`.
 */

/** Entry file (relative to the repo root) of each component image `isthmus/<component>`. */
export const componentEntries: Readonly<Record<string, string>> = Object.freeze({
  broker: "broker/dist/main.js",
  gateway: "gateway/dist/main.js",
  "route-agent": "gateway/dist/route-agent.js",
  dns: "dns/dist/main.js",
  node: "cni/dist/node-main.js",
});

/** The built-in workloads (`lab/<kind>`). */
export const workloadKinds: readonly string[] = Object.freeze(["echo", "client", "iperf3"]);

/** Entry file of the built-in workloads, relative to the repo root. */
export const workloadEntry = "lab/dist/workloads/main.js";

/** What an image resolves to: a component run in the node's namespaces, or a built-in workload. */
export interface ImageTarget {
  /** "component" for isthmus/* (hostNetwork), "workload" for lab/*. */
  readonly type: "component" | "workload";
  /** Component name or workload kind. */
  readonly name: string;
  /** Absolute path of the JavaScript entry file. */
  readonly entry: string;
  /** Arguments that come before the container's command and args (the workload kind). */
  readonly leadingArgs: readonly string[];
}

/** Splits `repo/name:tag` (or `repo/name@digest`) into repository and name, ignoring the tag. */
function splitImage(image: string): { repo: string; name: string } | undefined {
  const match = /^([a-z0-9-]+)\/([a-z0-9-]+)(?::[\w.-]+|@sha256:[a-f0-9]{64})?$/.exec(image);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { repo: match[1], name: match[2] };
}

/** Maps an image name to what runs; throws KubeletError "UnknownImage" listing the valid images. */
export function parseImage(image: string, repoRoot: string): ImageTarget {
  const parts = splitImage(image);
  const entry = parts?.repo === "isthmus" ? componentEntries[parts.name] : undefined;
  if (parts !== undefined && entry !== undefined) {
    return { type: "component", name: parts.name, entry: join(repoRoot, entry), leadingArgs: [] };
  }
  if (parts?.repo === "lab" && workloadKinds.includes(parts.name)) {
    return { type: "workload", name: parts.name, entry: join(repoRoot, workloadEntry), leadingArgs: [parts.name] };
  }
  const valid = [...Object.keys(componentEntries).map((c) => `isthmus/${c}`), ...workloadKinds.map((k) => `lab/${k}`)];
  throw new KubeletError("UnknownImage", `Unknown image "${image}": the lab runs only ${valid.join(", ")} (any tag)`);
}

/** The argv after `node`: entry, leading args, `command[1..]`, then `args`. */
export function buildArgv(target: ImageTarget, container: { command?: string[]; args?: string[] }): string[] {
  return [target.entry, ...target.leadingArgs, ...(container.command?.slice(1) ?? []), ...(container.args ?? [])];
}

/** Throws KubeletError "ImageNotPresent" when the entry file has not been built. */
export async function checkImagePresent(target: ImageTarget): Promise<void> {
  try {
    await access(target.entry);
  } catch (err) {
    throw new KubeletError("ImageNotPresent", `${target.entry} does not exist, run npm run build`, { cause: err });
  }
}
