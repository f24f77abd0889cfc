import { access, constants, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { IsthmusError } from "@isthmus/core/errors";
import { type BuildRecipe, buildBinary, createRecipes, goEnv } from "./build.js";
import { type BinaryKey, binaryNames, pins, type ToolKey, toolNames } from "./pins.js";

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

/** How often a running build reports that it is still going. */
const heartbeatMs = 60_000;

/** Where `ensureOne` looks and builds, shared by every binary of one call. */
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

/** The path of one binary: prebuilt, cached, or built now into the cache. `built` says which. */
async function ensureOne(key: BinaryKey | ToolKey, name: string, context: EnsureContext): Promise<{ path: string; built: boolean }> {
  const recipe = context.recipes[key];
  const cached = join(context.cacheDir, "bin", recipe.id, name);
  for (const candidate of [...context.prebuilt.map((dir) => join(dir, name)), cached]) {
    if (await isExecutable(candidate)) return { path: candidate, built: false };
  }
  await mkdir(join(context.cacheDir, "bin", recipe.id), { recursive: true });
  context.progress(`building ${name} (${recipe.id}) from the Go module proxy; the first build takes minutes`);
  const t0 = Date.now();
  // One build can take many minutes on a busy machine: say it is still going, so it never looks hung.
  const heartbeat = setInterval(() => {
    context.progress(`… still building ${name}: ${String(Math.round((Date.now() - t0) / 1000))} s so far`);
  }, heartbeatMs);
  try {
    await buildBinary(recipe, { cacheDir: context.cacheDir, output: cached, env: context.env, ...(context.signal ? { signal: context.signal } : {}) });
  } catch (err) {
    if ((err as { code?: unknown }).code === "CommandNotFound") {
      throw new BinariesError("GoMissing", `Cannot build ${name}: there is no "go" command on the PATH. The lab builds its binaries with Go 1.24 or later (Helm: 1.26), which Debian 12 does not package (golang-go is 1.19): install Go from go.dev/dl into /usr/local/go and put /usr/local/go/bin on the PATH`, { cause: err });
    }
    throw new BinariesError("BuildFailed", `Cannot build ${name} (${recipe.pkg}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    clearInterval(heartbeat);
  }
  context.progress(`✓ built ${name} in ${Math.round((Date.now() - t0) / 1000)} s`);
  return { path: cached, built: true };
}

/**
 * Returns every binary the lab needs, building the missing ones from the Go module proxy into
 * the cache (once per pinned version). A binary found in `ISTHMUS_K8S_BIN` or
 * `KUBEBUILDER_ASSETS` is used as it is.
 */
export async function ensureBinaries(options: EnsureBinariesOptions = {}): Promise<LabBinaries> {
  const context = createContext(options);
  const found: Partial<Record<BinaryKey, string>> = {};
  const started = Date.now();
  let built = 0;
  for (const key of Object.keys(binaryNames) as BinaryKey[]) {
    const result = await ensureOne(key, binaryNames[key], context);
    found[key] = result.path;
    if (result.built) built++;
  }
  if (built > 0) context.progress(`✓ built ${built} binaries in ${Math.round((Date.now() - started) / 1000)} s (cached in ${context.cacheDir})`);
  return { ...(found as Record<BinaryKey, string>), kubernetesVersion: pins.kubernetes };
}

/**
 * Returns the path of one lab binary (prebuilt, cached, or built now), for a caller that needs
 * only that one: the netns tests' and the data-plane benchmark's wireguard-go.
 */
export async function ensureBinary(key: BinaryKey, options: EnsureBinariesOptions = {}): Promise<string> {
  return (await ensureOne(key, binaryNames[key], createContext(options))).path;
}

/**
 * Returns the path of a tool that tests need besides the lab (`toolNames`, e.g. Helm), built
 * from the Go module proxy into the same cache the first time, like the lab's binaries.
 */
export async function ensureTool(key: ToolKey, options: EnsureBinariesOptions = {}): Promise<string> {
  return (await ensureOne(key, toolNames[key], createContext(options))).path;
}
