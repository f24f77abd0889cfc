import { access, constants, mkdir } from "node:fs/promises";
import { availableParallelism, homedir, loadavg } from "node:os";
import { join } from "node:path";
import { IsthmusError } from "@isthmus/core/errors";
import { type BuildRecipe, buildGroup, createRecipes, goEnv } from "./build.js";
import { type BinaryKey, binaryNames, pins, type ToolKey, toolNames } from "./pins.js";
import { type BuildGroup, expectedMs, formatEstimate, groupBuilds, makespanMs, readBuildTimes, recordBuildTime } from "./schedule.js";

/** Codes of the errors `ensureBinaries` throws. */
export type BinariesErrorCode = "BuildFailed" | "GoMissing";

/** Building or finding a lab binary failed. */
export class BinariesError extends IsthmusError<BinariesErrorCode> {}

/** Absolute paths of every third-party binary the lab runs. */
export interface LabBinaries extends Record<BinaryKey, string> {
  /** The Kubernetes version the control-plane binaries were built at. */
  readonly kubernetesVersion: string;
}

/** Options of `ensureBinaries`. */
export interface EnsureBinariesOptions {
  /** Receives one line per step ("building kube-apiserver v1.34.4 …", "✓ …"). */
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** The environment: `ISTHMUS_K8S_BIN`, `KUBEBUILDER_ASSETS`, `ISTHMUS_CACHE_DIR`, `HOME`, `PATH`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The cache directory: `$ISTHMUS_CACHE_DIR`, else `~/.cache/isthmus`. */
export function cacheDirectory(env: Readonly<Record<string, string | undefined>>): string {
  return env.ISTHMUS_CACHE_DIR ?? join(env.HOME ?? homedir(), ".cache", "isthmus");
}

/** How often running builds report that they are still going, with the time left. */
const heartbeatMs = 30_000;

/** Where `ensure*` look and build, shared by every binary of one call. */
interface EnsureContext {
  readonly cacheDir: string;
  readonly prebuilt: readonly string[];
  readonly recipes: Record<BinaryKey | ToolKey, BuildRecipe>;
  readonly env: Record<string, string>;
  readonly progress: (line: string) => void;
  readonly signal: AbortSignal | undefined;
}

function createContext(options: EnsureBinariesOptions): EnsureContext {
  const env = goEnv(options.env ?? process.env);
  return {
    cacheDir: cacheDirectory(options.env ?? process.env),
    prebuilt: [env.ISTHMUS_K8S_BIN, env.KUBEBUILDER_ASSETS].filter((d): d is string => d !== undefined && d !== ""),
    recipes: createRecipes(env),
    env,
    progress: options.onProgress ?? (() => undefined),
    signal: options.signal,
  };
}

type Key = BinaryKey | ToolKey;
const fileNames: Readonly<Record<Key, string>> = { ...binaryNames, ...toolNames };

function cachedPath(key: Key, context: EnsureContext): string {
  return join(context.cacheDir, "bin", context.recipes[key].id, fileNames[key]);
}

/** The path of a binary that needs no build (prebuilt, or cached), or undefined. */
async function findExisting(key: Key, context: EnsureContext): Promise<string | undefined> {
  for (const candidate of [...context.prebuilt.map((dir) => join(dir, fileNames[key])), cachedPath(key, context)]) {
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Builds one group (one module's binaries) into the cache; converts failures to `BinariesError`. */
async function buildOne(group: BuildGroup<Key>, context: EnsureContext): Promise<void> {
  const [first] = group.keys;
  if (first === undefined) return;
  const names = group.keys.map((k) => fileNames[k]).join(", ");
  const recipe = context.recipes[first];
  await mkdir(join(context.cacheDir, "bin", group.id), { recursive: true });
  context.progress(`building ${names} (${group.id}) from the Go module proxy; the first build takes minutes`);
  const t0 = Date.now();
  try {
    await buildGroup(
      recipe,
      group.keys.map((k) => ({ pkg: context.recipes[k].pkg, output: cachedPath(k, context) })),
      { cacheDir: context.cacheDir, env: context.env, ...(context.signal ? { signal: context.signal } : {}) },
    );
  } catch (err) {
    if ((err as { code?: unknown }).code === "CommandNotFound") {
      throw new BinariesError("GoMissing", `Cannot build ${names}: there is no "go" command on the PATH. The lab builds its binaries with Go 1.24 or later (Helm: 1.26), which Debian 12 does not package (golang-go is 1.19): install Go from go.dev/dl into /usr/local/go and put /usr/local/go/bin on the PATH`, { cause: err });
    }
    throw new BinariesError("BuildFailed", `Cannot build ${names} (${group.id}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const ms = Date.now() - t0;
  await recordBuildTime(context.cacheDir, group.id, ms);
  context.progress(`✓ built ${names} in ${Math.round(ms / 1000)} s`);
}

/**
 * Builds every missing binary: one build per module, as many at a time as there are cores, with
 * a progress line every 30 s naming what is building and an estimate of the time left (from
 * this machine's last build times). All builds finish (or fail) before this returns or throws.
 */
async function buildMissing(missing: readonly Key[], context: EnsureContext): Promise<void> {
  const groups = groupBuilds(missing, (k) => context.recipes[k].id);
  if (groups.length === 0) return;
  const times = await readBuildTimes(context.cacheDir);
  const workers = Math.max(1, Math.min(groups.length, availableParallelism()));
  const expected = new Map(groups.map((g) => [g.id, expectedMs(g.id, times)]));
  const total = makespanMs(groups.map((g) => expected.get(g.id) ?? 0), workers);
  if (groups.length > 1) {
    context.progress(`first run: ${groups.length} builds (${groups.map((g) => g.id).join(", ")}), ${workers} at a time; ${formatEstimate(total)} (${Object.keys(times).length > 0 ? "this machine's last builds" : "a cold build on 2 cores"})`);
  }
  const queue = [...groups];
  const running = new Map<string, number>();
  let done = 0;
  const heartbeat = setInterval(() => {
    const now = Date.now();
    const left = [...running].map(([id, t0]) => Math.max((expected.get(id) ?? 0) - (now - t0), 0));
    const pending = queue.map((g) => expected.get(g.id) ?? 0);
    const active = [...running].map(([id, t0]) => `${id} (${Math.round((now - t0) / 1000)} s)`).join(", ");
    // Past the estimate: say so, with the load that usually explains it, rather than a number that keeps being wrong.
    const overdue = left.some((ms) => ms === 0);
    const eta = overdue ? `past the estimate (load average ${loadavg()[0]?.toFixed(1) ?? "?"} on ${availableParallelism()} cores)` : `${formatEstimate(makespanMs([...left, ...pending], workers))} left`;
    context.progress(`… building ${active}; ${done} of ${groups.length} builds done; ${eta}`);
  }, heartbeatMs);
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    for (let group = queue.shift(); group !== undefined && failures.length === 0; group = queue.shift()) {
      running.set(group.id, Date.now());
      try {
        await buildOne(group, context);
      } catch (err) {
        failures.push(err);
      } finally {
        running.delete(group.id);
        done++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    clearInterval(heartbeat);
  }
  if (failures.length > 0) throw failures[0];
}

/** The path of one binary: prebuilt, cached, or built now into the cache. */
async function ensureOne(key: Key, context: EnsureContext): Promise<string> {
  const existing = await findExisting(key, context);
  if (existing !== undefined) return existing;
  await buildMissing([key], context);
  return cachedPath(key, context);
}

/**
 * Returns every binary the lab needs, building the missing ones from the Go module proxy into
 * the cache (once per pinned version). A binary found in `ISTHMUS_K8S_BIN` or
 * `KUBEBUILDER_ASSETS` is used as it is.
 */
export async function ensureBinaries(options: EnsureBinariesOptions = {}): Promise<LabBinaries> {
  const context = createContext(options);
  const keys = Object.keys(binaryNames) as BinaryKey[];
  const existing = await Promise.all(keys.map((k) => findExisting(k, context)));
  const missing = keys.filter((_, i) => existing[i] === undefined);
  const started = Date.now();
  await buildMissing(missing, context);
  if (missing.length > 0) context.progress(`✓ built ${missing.length} binaries in ${Math.round((Date.now() - started) / 1000)} s (cached in ${context.cacheDir})`);
  const found = Object.fromEntries(keys.map((k, i) => [k, existing[i] ?? cachedPath(k, context)])) as Record<BinaryKey, string>;
  return { ...found, kubernetesVersion: pins.kubernetes };
}

/**
 * Returns the path of one lab binary (prebuilt, cached, or built now), for a caller that needs
 * only that one: the netns tests' and the data-plane benchmark's wireguard-go.
 */
export async function ensureBinary(key: BinaryKey, options: EnsureBinariesOptions = {}): Promise<string> {
  return ensureOne(key, createContext(options));
}

/**
 * Returns the path of a tool that tests need besides the lab (`toolNames`, e.g. Helm), built
 * from the Go module proxy into the same cache the first time, like the lab's binaries.
 */
export async function ensureTool(key: ToolKey, options: EnsureBinariesOptions = {}): Promise<string> {
  return ensureOne(key, createContext(options));
}
