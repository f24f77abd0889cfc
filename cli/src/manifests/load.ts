/**
 * Loads a component's manifests from `deploy/<dir>/*.yaml` and applies the typed settings the
 * CLI (and the chart's values) may change: the image tag, a workload's replicas, node selector
 * and arguments. Every pod template also gets `enableServiceLinks: false` (core's config loader
 * rejects the unknown ISTHMUS_* variables that service links would inject).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAllYaml, type KubernetesObject } from "@kubernetes/client-node";
import { CliError } from "../command.js";
import { type ComponentManifests, imageRepository, repoRoot } from "./components.js";

/** A manifest object as plain JSON data. */
export type ManifestObject = KubernetesObject & { readonly kind: string; readonly apiVersion: string } & Record<string, unknown>;

/** The fields of one workload (Deployment or DaemonSet, by name) that settings may change. */
export interface WorkloadSettings {
  /** Deployment replicas. */
  readonly replicas?: number;
  /** Replaces the pod's nodeSelector. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Replaces the first container's args. */
  readonly args?: readonly string[];
}

/** Where the data of one PersistentVolumeClaim of the manifests lives. */
export interface VolumeClaimSettings {
  /** StorageClass of the claim (default: none set, so the cluster's default class). */
  readonly storageClassName?: string;
  /** Requested size, e.g. "1Gi" (default: the YAML's). */
  readonly size?: string;
  /**
   * Keep the data in this directory of the pod's node instead: the claim is not applied and
   * every pod volume that names it becomes a hostPath (DirectoryOrCreate).
   */
  readonly hostPath?: string;
}

/** The typed list of fields that differ between installations. */
export interface ManifestSettings {
  /** Tag of every `isthmus/<component>` image (default: the tag in the YAML). */
  readonly imageTag?: string;
  /** Per workload name. */
  readonly workloads?: Readonly<Record<string, WorkloadSettings>>;
  /** Per PersistentVolumeClaim name. */
  readonly volumeClaims?: Readonly<Record<string, VolumeClaimSettings>>;
}

/** A JSON object (a map), as manifests and chart values hold them. */
export type Json = Record<string, unknown>;

/** True for a JSON object (not null, not a list). */
export const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The pod template spec of a workload object, if it has one. */
export function podSpecOf(obj: ManifestObject): Json | undefined {
  const spec = obj.spec;
  if (!isRecord(spec) || !isRecord(spec.template)) return undefined;
  const podSpec = spec.template.spec;
  return isRecord(podSpec) ? podSpec : undefined;
}

/** The containers of a pod spec. */
export function containersOf(podSpec: Json): Json[] {
  return Array.isArray(podSpec.containers) ? podSpec.containers.filter(isRecord) : [];
}

/** Reads and parses the YAML files of a component (sorted by file name), without settings. */
export function readComponentYaml(component: ComponentManifests, root = repoRoot): ManifestObject[] {
  const dir = join(root, "deploy", component.dir);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  } catch (err) {
    throw new CliError("Failed", `Cannot read the manifests of ${component.name} in ${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const objects: ManifestObject[] = [];
  for (const file of files) {
    const docs = loadAllYaml(readFileSync(join(dir, file), "utf8")) as unknown[];
    for (const doc of docs) {
      if (doc === null || doc === undefined) continue;
      if (!isRecord(doc) || typeof doc.kind !== "string" || typeof doc.apiVersion !== "string") {
        throw new CliError("Failed", `deploy/${component.dir}/${file}: a document without apiVersion and kind`);
      }
      objects.push(doc as ManifestObject);
    }
  }
  return objects;
}

/** Applies the fixed normalisations every installation gets (enableServiceLinks: false). */
export function normalize(objects: readonly ManifestObject[]): ManifestObject[] {
  return objects.map((o) => {
    const copy = structuredClone(o);
    const podSpec = podSpecOf(copy);
    if (podSpec !== undefined) podSpec.enableServiceLinks = false;
    return copy;
  });
}

/** Applies `settings` to copies of `objects` (a claim kept on a host path is left out). */
export function applySettings(objects: readonly ManifestObject[], settings: ManifestSettings): ManifestObject[] {
  return objects.flatMap((o) => {
    const copy = structuredClone(o);
    if (copy.kind === "PersistentVolumeClaim") return applyClaimSettings(copy, settings.volumeClaims?.[copy.metadata?.name ?? ""]);
    const podSpec = podSpecOf(copy);
    if (podSpec === undefined) return [copy];
    const name = copy.metadata?.name ?? "";
    const workload = settings.workloads?.[name];
    if (workload?.replicas !== undefined && isRecord(copy.spec)) copy.spec.replicas = workload.replicas;
    if (workload?.nodeSelector !== undefined) podSpec.nodeSelector = { ...workload.nodeSelector };
    const containers = containersOf(podSpec);
    if (workload?.args !== undefined && containers[0] !== undefined) containers[0].args = [...workload.args];
    if (settings.imageTag !== undefined) {
      for (const c of containers) if (typeof c.image === "string") c.image = withTag(c.image, settings.imageTag);
    }
    if (Array.isArray(podSpec.volumes)) podSpec.volumes = podSpec.volumes.map((v: unknown) => claimVolume(v, settings.volumeClaims));
    return [copy];
  });
}

function applyClaimSettings(claim: ManifestObject, settings: VolumeClaimSettings | undefined): ManifestObject[] {
  if (settings?.hostPath !== undefined) return [];
  const spec = isRecord(claim.spec) ? claim.spec : {};
  if (settings?.storageClassName !== undefined) spec.storageClassName = settings.storageClassName;
  const resources = isRecord(spec.resources) ? spec.resources : {};
  if (settings?.size !== undefined) resources.requests = { ...(isRecord(resources.requests) ? resources.requests : {}), storage: settings.size };
  return [claim];
}

/** The name of the claim a pod volume mounts, if it is a persistentVolumeClaim volume. */
export function claimNameOf(volume: unknown): string | undefined {
  if (!isRecord(volume) || !isRecord(volume.persistentVolumeClaim)) return undefined;
  const name = volume.persistentVolumeClaim.claimName;
  return typeof name === "string" ? name : undefined;
}

function claimVolume(volume: unknown, claims: ManifestSettings["volumeClaims"]): unknown {
  const claim = claimNameOf(volume);
  const hostPath = claim === undefined ? undefined : claims?.[claim]?.hostPath;
  if (hostPath === undefined || !isRecord(volume)) return volume;
  return { name: volume.name, hostPath: { path: hostPath, type: "DirectoryOrCreate" } };
}

function withTag(image: string, tag: string): string {
  const match = /^([^:]+)(?::[\w.-]+)?$/.exec(image);
  return match?.[1]?.startsWith(`${imageRepository}/`) === true ? `${match[1]}:${tag}` : image;
}

/** A stable key of an object: kind, namespace and name. */
export function objectKeyOf(obj: ManifestObject): string {
  return `${obj.kind}/${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
}

/**
 * Keeps the first object of each key; a Namespace that several folders declare gets the union
 * of their labels (so it is the same object whichever components are installed).
 */
export function dedupe(objects: readonly ManifestObject[]): ManifestObject[] {
  const kept = new Map<string, ManifestObject>();
  for (const o of objects) {
    const key = objectKeyOf(o);
    const first = kept.get(key);
    if (first === undefined) kept.set(key, structuredClone(o));
    else if (o.kind === "Namespace" && first.metadata !== undefined) {
      const labels = { ...o.metadata?.labels, ...first.metadata.labels };
      if (Object.keys(labels).length > 0) first.metadata.labels = labels;
    }
  }
  return [...kept.values()];
}

/** The objects of `components` with `settings`, de-duplicated, in apply order. */
export function loadManifests(list: readonly ComponentManifests[], settings: ManifestSettings = {}): ManifestObject[] {
  return dedupe(list.flatMap((c) => applySettings(normalize(readComponentYaml(c)), settings)));
}

/** The first container's args of workload `name` in `component`'s YAML (to extend them). */
export function workloadArgs(component: ComponentManifests, name: string): string[] {
  const obj = readComponentYaml(component).find((o) => o.metadata?.name === name && podSpecOf(o) !== undefined);
  const podSpec = obj === undefined ? undefined : podSpecOf(obj);
  const args = podSpec === undefined ? undefined : containersOf(podSpec)[0]?.args;
  return Array.isArray(args) ? args.map(String) : [];
}
