/**
 * The lab's record of itself (`<state>/lab.json`): the options it was made with (so `down`,
 * `status` and `exec` rebuild the same plan) and whether `up` finished. It is written before
 * anything else is made, so even a crashed `up` leaves enough for `down` to clean up.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import { LabError } from "./errors.js";
import { stateFile } from "./paths.js";
import { clusterPodNetworks, defaultLabPrefix, defaultLabStateDir, defaultLocalPortBase, planLab, podNetworkModes, type LabOptions, type LabPlan, type PodNetworkMode } from "./plan.js";

const podNetworkMode = z.enum(podNetworkModes as [PodNetworkMode, ...PodNetworkMode[]]);

const optionsShape = {
  clusters: z.number().int(),
  nodesPerCluster: z.number().int(),
  /** One mode for every cluster, or every cluster's by id when they differ. */
  podNetwork: z.union([podNetworkMode, z.record(z.string(), podNetworkMode)]),
  stateDir: z.string(),
  namePrefix: z.string(),
  localPortBase: z.number().int(),
};

const recordSchema = z.strictObject({
  version: z.literal(2),
  options: z.strictObject({ ...optionsShape, overlap: z.array(z.string()), natClusters: z.array(z.string()) }),
  createdAt: z.string(),
  complete: z.boolean(),
});

/** Version 1 (before lists of NAT and overlapping clusters): read as version 2, so `down` still finds such a lab. */
const recordV1Schema = z
  .strictObject({
    version: z.literal(1),
    options: z.strictObject({ ...optionsShape, overlap: z.boolean(), natCluster: z.string().optional() }),
    createdAt: z.string(),
    complete: z.boolean(),
  })
  .transform(({ options: { overlap, natCluster, ...rest }, createdAt, complete }) => ({
    version: 2 as const,
    options: resolveOptions({
      ...rest,
      overlap: overlap ? Array.from({ length: rest.clusters }, (_, i) => `c${i + 1}`) : [],
      natClusters: natCluster === undefined ? [] : [natCluster],
    }),
    createdAt,
    complete,
  }));

/** What `lab.json` holds. */
export type LabRecord = z.infer<typeof recordSchema>;

/** Where to find a lab: its state directory (default /var/lib/isthmus-lab). */
export interface LabLocation {
  readonly stateDir?: string;
  /** Prefix of its namespaces when it has no record left (default "isthmus-lab-"); only `down` uses it. */
  readonly namePrefix?: string;
}

/**
 * Options with every default filled in, as recorded. The pod network is one mode when every
 * cluster has it (`{ c1: "flannel", c2: "flannel" }` is `"flannel"`), else every cluster's.
 */
export function resolveOptions(options: LabOptions): LabRecord["options"] {
  const clusters = options.clusters ?? 2;
  const modes = clusterPodNetworks(options.podNetwork, Array.from({ length: clusters }, (_, i) => `c${i + 1}`));
  const distinct = [...new Set(Object.values(modes))];
  return {
    clusters,
    nodesPerCluster: options.nodesPerCluster ?? 2,
    podNetwork: distinct.length === 1 && distinct[0] !== undefined ? distinct[0] : modes,
    stateDir: options.stateDir ?? defaultLabStateDir,
    namePrefix: options.namePrefix ?? defaultLabPrefix,
    localPortBase: options.localPortBase ?? defaultLocalPortBase,
    overlap: [...new Set(options.overlap ?? [])],
    natClusters: [...new Set(options.natClusters ?? [])],
  };
}

/** Reads the record, or undefined when there is no lab at that location. */
export async function readRecord(location: LabLocation = {}): Promise<LabRecord | undefined> {
  const path = stateFile({ stateDir: location.stateDir ?? defaultLabStateDir });
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const parsed = z.union([recordSchema, recordV1Schema]).safeParse(JSON.parse(text));
  if (!parsed.success) throw new LabError("InvalidOptions", `Lab record ${path} is not valid: ${parsed.error.message}`);
  return parsed.data;
}

/** Writes the record (creating the state directory). */
export async function writeRecord(record: LabRecord): Promise<void> {
  await mkdir(record.options.stateDir, { recursive: true, mode: 0o755 });
  await writeFile(stateFile({ stateDir: record.options.stateDir }), `${JSON.stringify(record, null, 2)}\n`);
}

/** The plan of the lab at a location; throws `NotUp` when there is none. */
export async function requireLab(location: LabLocation = {}): Promise<{ record: LabRecord; plan: LabPlan }> {
  const record = await readRecord(location);
  if (record === undefined) {
    throw new LabError("NotUp", `No lab at ${location.stateDir ?? defaultLabStateDir}: run "isthmus lab up" first`);
  }
  return { record, plan: planLab(record.options) };
}
