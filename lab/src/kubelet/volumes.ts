/**
 * Pod volumes in the lab: every volume is a directory (or, for hostPath, a node path) that is
 * bind-mounted onto each container's mountPath in the container's private mount namespace
 * (see `wrap.ts`). Supported: hostPath, emptyDir, configMap, secret, downwardAPI and projected
 * (serviceAccountToken, configMap, secret, downwardAPI) — enough for the service-account volume
 * the ServiceAccount admission plugin adds to every pod. Files are written atomically (temp +
 * rename) so a token refresh is seen whole. ConfigMap and Secret contents are written when the
 * pod starts and not updated later; tokens are refreshed at 80 % of their lifetime.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import type { V1DownwardAPIVolumeFile, V1KeyToPath } from "@kubernetes/client-node";
import type { Pod, Volume, VolumeProjection } from "./kube-types.js";
import { errorMessage } from "@isthmus/core/errors";
import { type Plain } from "@isthmus/core/kube";
import { resolveFieldRef, type ObjectReader } from "./env.js";
import { KubeletError } from "./errors.js";

/** Where pods find their service-account files. */
export const serviceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

/** One bind mount into a container. */
export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** Issues service-account tokens for a pod (TokenRequest API, bound to the pod). */
export interface TokenIssuer {
  /** A token for the pod's service account; `audience` undefined means the API server's audiences. */
  issue(pod: Pod, options: { audience?: string; expirationSeconds: number }): Promise<{ token: string; expiresAt: Date }>;
}

/** A token file and when it must be refreshed. */
export interface TokenFile {
  readonly path: string;
  readonly audience: string | undefined;
  readonly expirationSeconds: number;
  readonly refreshAt: Date;
}

/** What {@link setUpVolumes} needs. */
export interface VolumeContext {
  readonly reader: ObjectReader;
  readonly tokens: TokenIssuer;
  readonly hostIp: string;
  readonly podIp: string | undefined;
  readonly now: () => Date;
}

/** The volume the ServiceAccount admission plugin adds (used when the pod has none and automount is on). */
export function defaultServiceAccountVolume(): Volume {
  return {
    name: "kube-api-access-lab",
    projected: {
      sources: [
        { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}

async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, content, { mode });
  await rename(temp, path);
}

function safeJoin(dir: string, relative: string): string {
  const path = normalize(join(dir, relative));
  if (!path.startsWith(`${dir}/`)) throw new KubeletError("VolumeFailed", `Volume path "${relative}" escapes its volume`);
  return path;
}

async function writeData(dir: string, data: Readonly<Record<string, string>>, items: readonly Plain<V1KeyToPath>[] | undefined, what: string): Promise<void> {
  const wanted: readonly Plain<V1KeyToPath>[] = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of wanted) {
    const value = data[item.key];
    if (value === undefined) throw new KubeletError("VolumeFailed", `Key "${item.key}" not found in ${what}`);
    await writeAtomic(safeJoin(dir, item.path), value, item.mode ?? 0o644);
  }
}

/** Writes every file of one volume projection; returns the token files it wrote. */
async function writeProjection(pod: Pod, dir: string, source: VolumeProjection, context: VolumeContext): Promise<TokenFile[]> {
  const ns = pod.metadata?.namespace ?? "default";
  if (source.serviceAccountToken !== undefined) {
    const { path, audience, expirationSeconds = 3600 } = source.serviceAccountToken;
    const file = safeJoin(dir, path);
    return [await writeToken(pod, { path: file, audience, expirationSeconds }, context)];
  }
  const ref = source.configMap ?? source.secret;
  if (ref !== undefined) {
    const kind = source.configMap !== undefined ? "ConfigMap" : "Secret";
    const data = await (kind === "ConfigMap" ? context.reader.configMap(ns, ref.name ?? "") : context.reader.secret(ns, ref.name ?? ""));
    if (data === undefined) {
      if (ref.optional === true) return [];
      throw new KubeletError("VolumeFailed", `${kind} "${ref.name ?? ""}" not found in namespace ${ns}`);
    }
    await writeData(dir, data, ref.items, `${kind} "${ref.name ?? ""}"`);
    return [];
  }
  if (source.downwardAPI !== undefined) {
    await writeDownward(pod, dir, source.downwardAPI.items ?? [], context);
    return [];
  }
  throw new KubeletError("VolumeFailed", `Unsupported projected volume source ${Object.keys(source).join(", ")}`);
}

async function writeDownward(pod: Pod, dir: string, items: readonly Plain<V1DownwardAPIVolumeFile>[], context: VolumeContext): Promise<void> {
  for (const item of items) {
    if (item.fieldRef === undefined) throw new KubeletError("VolumeFailed", `downwardAPI item ${item.path} has no fieldRef (resourceFieldRef is not supported)`);
    await writeAtomic(safeJoin(dir, item.path), resolveFieldRef(pod, item.fieldRef, context), item.mode ?? 0o644);
  }
}

/** Requests a token and writes it; returns when to refresh it (80 % of its lifetime). */
export async function writeToken(
  pod: Pod,
  file: { path: string; audience: string | undefined; expirationSeconds: number },
  context: VolumeContext,
): Promise<TokenFile> {
  const issued = context.now();
  let token: { token: string; expiresAt: Date };
  try {
    token = await context.tokens.issue(pod, { expirationSeconds: file.expirationSeconds, ...(file.audience === undefined ? {} : { audience: file.audience }) });
  } catch (err) {
    throw new KubeletError("VolumeFailed", `Cannot request a service-account token for pod ${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}: ${errorMessage(err)}`, { cause: err });
  }
  await writeAtomic(file.path, token.token, 0o600);
  const refreshAt = new Date(issued.getTime() + 0.8 * (token.expiresAt.getTime() - issued.getTime()));
  return { ...file, refreshAt };
}

/** Sets up one volume under `<podDir>/volumes/<name>`; returns its source path and token files. */
async function setUpVolume(pod: Pod, podDir: string, volume: Volume, context: VolumeContext): Promise<{ source: string; tokens: TokenFile[] }> {
  if (volume.hostPath !== undefined) {
    const { path, type } = volume.hostPath;
    if (type === "DirectoryOrCreate") await mkdir(path, { recursive: true });
    if (type === "FileOrCreate") {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, "", { flag: "a" });
    }
    return { source: path, tokens: [] };
  }
  const dir = join(podDir, "volumes", volume.name);
  await mkdir(dir, { recursive: true });
  const ns = pod.metadata?.namespace ?? "default";
  if (volume.emptyDir !== undefined) return { source: dir, tokens: [] };
  if (volume.configMap !== undefined || volume.secret !== undefined) {
    const source: VolumeProjection = volume.configMap !== undefined
      ? { configMap: volume.configMap }
      : { secret: { name: volume.secret?.secretName ?? "", optional: volume.secret?.optional ?? false, ...(volume.secret?.items === undefined ? {} : { items: volume.secret.items }) } };
    await writeProjection(pod, dir, source, context);
    return { source: dir, tokens: [] };
  }
  if (volume.downwardAPI !== undefined) {
    await writeDownward(pod, dir, volume.downwardAPI.items ?? [], context);
    return { source: dir, tokens: [] };
  }
  if (volume.projected !== undefined) {
    const tokens: TokenFile[] = [];
    for (const source of volume.projected.sources ?? []) tokens.push(...(await writeProjection(pod, dir, source, context)));
    return { source: dir, tokens };
  }
  throw new KubeletError("VolumeFailed", `Volume "${volume.name}" of pod ${ns}/${pod.metadata?.name ?? ""} has an unsupported type`);
}

/** Mounts per container name, and the token files to refresh. */
export interface PodVolumes {
  readonly mounts: ReadonlyMap<string, readonly Mount[]>;
  readonly tokens: readonly TokenFile[];
}

/** Writes all volumes of `pod` and computes each container's bind mounts. */
export async function setUpVolumes(pod: Pod, podDir: string, context: VolumeContext): Promise<PodVolumes> {
  const volumes = [...(pod.spec?.volumes ?? [])];
  const containers = pod.spec?.containers ?? [];
  const needsDefaultSa = pod.spec?.automountServiceAccountToken !== false &&
    containers.some((c) => !(c.volumeMounts ?? []).some((m) => m.mountPath === serviceAccountMountPath));
  if (needsDefaultSa) volumes.push(defaultServiceAccountVolume());
  const sources = new Map<string, string>();
  const tokens: TokenFile[] = [];
  for (const volume of volumes) {
    const done = await setUpVolume(pod, podDir, volume, context);
    sources.set(volume.name, done.source);
    tokens.push(...done.tokens);
  }
  const mounts = new Map<string, Mount[]>();
  for (const c of containers) {
    const list = (c.volumeMounts ?? []).map((m) => {
      const source = sources.get(m.name);
      if (source === undefined) throw new KubeletError("InvalidPodSpec", `Container ${c.name} mounts unknown volume "${m.name}"`);
      return { source: m.subPath ? safeJoin(source, m.subPath) : source, target: m.mountPath, readOnly: m.readOnly === true };
    });
    if (needsDefaultSa && !list.some((m) => m.target === serviceAccountMountPath)) {
      list.push({ source: sources.get("kube-api-access-lab") ?? "", target: serviceAccountMountPath, readOnly: true });
    }
    mounts.set(c.name, list.filter((m) => m.source !== m.target));
  }
  return { mounts, tokens };
}

/** Refreshes the token files that are due; returns the updated list. */
export async function refreshTokens(pod: Pod, tokens: readonly TokenFile[], context: VolumeContext): Promise<TokenFile[]> {
  const now = context.now().getTime();
  return Promise.all(tokens.map((t) => (t.refreshAt.getTime() <= now ? writeToken(pod, t, context) : Promise.resolve(t))));
}
