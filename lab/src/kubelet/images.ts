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
 * - a third-party image the kubelet config maps to a built binary (`nativeImages`, by repository
 *   without the tag: `ghcr.io/flannel-io/flannel` → the lab's flanneld) → that binary, with
 *   `command[0]` (the image's own path of it) replaced and the rest of `command`, then `args`.
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
  /** "component" for isthmus/* (hostNetwork), "workload" for lab/*, "native" for a mapped third-party image. */
  readonly type: "component" | "workload" | "native";
  /** Component name or workload kind. */
  readonly name: string;
  /** Absolute path of the JavaScript entry file (run by node), or of the binary ("native"). */
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

/** The repository of a third-party image (`ghcr.io/flannel-io/flannel:v0.28.10` → `ghcr.io/flannel-io/flannel`). */
export function imageRepository(image: string): string {
  return image.replace(/@sha256:[a-f0-9]{64}$/, "").replace(/:[\w.-]+$/, "");
}

/**
 * Maps an image name to what runs (`nativeImages`: repository → binary, from the kubelet config);
 * throws KubeletError "UnknownImage" listing the valid images.
 */
export function parseImage(image: string, repoRoot: string, nativeImages: Readonly<Record<string, string>> = {}): ImageTarget {
  const binary = nativeImages[imageRepository(image)];
  if (binary !== undefined) return { type: "native", name: imageRepository(image), entry: binary, leadingArgs: [] };
  const parts = splitImage(image);
  const entry = parts?.repo === "isthmus" ? componentEntries[parts.name] : undefined;
  if (parts !== undefined && entry !== undefined) {
    return { type: "component", name: parts.name, entry: join(repoRoot, entry), leadingArgs: [] };
  }
  if (parts?.repo === "lab" && workloadKinds.includes(parts.name)) {
    return { type: "workload", name: parts.name, entry: join(repoRoot, workloadEntry), leadingArgs: [parts.name] };
  }
  const valid = [...Object.keys(componentEntries).map((c) => `isthmus/${c}`), ...workloadKinds.map((k) => `lab/${k}`), ...Object.keys(nativeImages)];
  throw new KubeletError("UnknownImage", `Unknown image "${image}": the lab runs only ${valid.join(", ")} (any tag)`);
}

/** The whole argv: `node` (`nodePath`) and entry, or the native binary; leading args, `command[1..]`, then `args`. */
export function buildArgv(target: ImageTarget, container: { command?: string[]; args?: string[] }, nodePath: string): string[] {
  const program = target.type === "native" ? [target.entry] : [nodePath, target.entry];
  return [...program, ...target.leadingArgs, ...(container.command?.slice(1) ?? []), ...(container.args ?? [])];
}

/** Throws KubeletError "ImageNotPresent" when the entry file has not been built. */
export async function checkImagePresent(target: ImageTarget): Promise<void> {
  try {
    await access(target.entry);
  } catch (err) {
    throw new KubeletError("ImageNotPresent", `${target.entry} does not exist, run npm run build`, { cause: err });
  }
}
