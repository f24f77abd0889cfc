/**
 * The chart's values as CLI settings: `isthmus manifests --values FILE` renders, without Helm,
 * the objects `helm template -f FILE deploy/helm/isthmus` renders (docs/adr/0700). The file is
 * merged over the chart's defaults the way Helm merges (maps key by key, lists and scalars
 * replaced, null removes a key), then read into the typed settings the CLI itself uses: the
 * components, {@link ManifestSettings} and, when `join.clusterId` is set, {@link JoinSettings}.
 */
import { loadYaml } from "@kubernetes/client-node";
import { CliError } from "../command.js";
import { defaultValues } from "./chart.js";
import { type ComponentManifests, components, imageRepository } from "./components.js";
import { joinObjects, type JoinSettings } from "./join-objects.js";
import { isRecord, type Json, loadManifests, type ManifestObject, type ManifestSettings, type VolumeClaimSettings, type WorkloadSettings } from "./load.js";

/** What one installation consists of: the input of {@link renderInstall}. */
export interface InstallSpec {
  readonly components: readonly ComponentManifests[];
  readonly settings: ManifestSettings;
  /** The broker Secret and gateway ConfigMap of a member cluster, when it joins. */
  readonly join?: JoinSettings;
}

/** Merges `override` over `base` as Helm merges values files. */
export function mergeValues(base: Json, override: Json): Json {
  const out = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(override)) {
    const current = out.get(key);
    if (value === null) out.delete(key);
    else if (isRecord(value) && isRecord(current)) out.set(key, mergeValues(current, value));
    else out.set(key, value);
  }
  return Object.fromEntries(out);
}

function field<T>(values: Json, path: string, check: (v: unknown) => v is T, what: string): T {
  let value: unknown = values;
  for (const part of path.split("/")) value = isRecord(value) ? value[part] : undefined;
  if (!check(value)) throw new CliError("UsageError", `Chart value ${path.replaceAll("/", ".")} must be ${what}, got ${value === undefined ? "nothing" : JSON.stringify(value)}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
const isStringMap = (v: unknown): v is Record<string, string> => isRecord(v) && Object.values(v).every(isString);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function workloadSettings(values: Json): Record<string, WorkloadSettings> {
  const out: Record<string, WorkloadSettings> = {};
  for (const name of Object.keys(field(values, "workloads", isRecord, "a map"))) {
    const at = `workloads/${name}`;
    const replicas = field(values, at, isRecord, "a map").replicas;
    if (replicas !== undefined && !(Number.isInteger(replicas) && (replicas as number) >= 0)) {
      throw new CliError("UsageError", `Chart value workloads.${name}.replicas must be a whole number, got ${JSON.stringify(replicas)}`);
    }
    out[name] = {
      ...(replicas === undefined ? {} : { replicas: replicas as number }),
      nodeSelector: field(values, `${at}/nodeSelector`, isStringMap, "a map of strings"),
      args: field(values, `${at}/args`, isStringList, "a list of strings"),
    };
  }
  return out;
}

function claimSettings(values: Json): Record<string, VolumeClaimSettings> {
  const out: Record<string, VolumeClaimSettings> = {};
  for (const name of Object.keys(field(values, "volumeClaims", isRecord, "a map"))) {
    const get = (key: string): string => field(values, `volumeClaims/${name}/${key}`, isString, "a string");
    const [storageClassName, size, hostPath] = [get("storageClassName"), get("size"), get("hostPath")];
    out[name] = { ...(storageClassName === "" ? {} : { storageClassName }), ...(size === "" ? {} : { size }), ...(hostPath === "" ? {} : { hostPath }) };
  }
  return out;
}

function joinSettings(values: Json): JoinSettings | undefined {
  const get = (key: string): string => field(values, `join/${key}`, isString, "a string");
  if (get("clusterId") === "") return undefined;
  const list = (key: string): string[] => get(key).split(",");
  const serverName = get("serverName");
  return {
    clusterId: get("clusterId"),
    brokerAddress: get("brokerAddress"),
    brokerCa: get("brokerCa"),
    token: get("token"),
    ...(serverName === "" ? {} : { serverName }),
    podCidrs: list("podCidrs"),
    serviceCidrs: list("serviceCidrs"),
    cableDriver: get("cableDriver"),
    globalCidr: get("globalCidr"),
  };
}

/** Reads a values file's text (YAML or JSON) over the chart's defaults into an install spec. */
export function parseChartValues(text: string, source: string): InstallSpec {
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? {} : loadYaml(text);
  } catch (err) {
    throw new CliError("UsageError", `${source} is not YAML: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!isRecord(parsed)) throw new CliError("UsageError", `${source} must hold a map of chart values`);
  const values = mergeValues(defaultValues(), parsed);
  const repository = field(values, "image/repository", isString, "a string");
  if (repository !== imageRepository) throw new CliError("UsageError", `Chart value image.repository "${repository}" is not supported by the CLI: its images are ${imageRepository}/<component>`);
  const join = joinSettings(values);
  return {
    components: components.filter((c) => field(values, `${c.name}/enabled`, isBoolean, "true or false")),
    settings: { imageTag: field(values, "image/tag", isString, "a string"), workloads: workloadSettings(values), volumeClaims: claimSettings(values) },
    ...(join === undefined ? {} : { join }),
  };
}

/**
 * The objects of one installation in apply order: Namespaces, CRDs, the join Secret and
 * ConfigMap, then everything else (what the chart renders for the same values).
 */
export function renderInstall(spec: InstallSpec): ManifestObject[] {
  const objects = loadManifests(spec.components, spec.settings);
  const rank = (o: ManifestObject): number => (o.kind === "Namespace" ? 0 : o.kind === "CustomResourceDefinition" ? 1 : 3);
  const joined = spec.join === undefined ? [] : joinObjects(spec.join).map((o) => ({ o, r: 2 }));
  return [...objects.map((o) => ({ o, r: rank(o) })), ...joined].sort((a, b) => a.r - b.r).map(({ o }) => o);
}
