import { access, constants, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { IsthmusError } from "@isthmus/core";
import { buildBinary, createRecipes, goEnv } from "./build.js";
import { type BinaryKey, binaryNames, pins } from "./pins.js";

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

/**
 * Returns every binary the lab needs, building the missing ones from the Go module proxy into
 * the cache (once per pinned version). A binary found in `ISTHMUS_K8S_BIN` or
 * `KUBEBUILDER_ASSETS` is used as it is.
 */
export async function ensureBinaries(options: EnsureBinariesOptions = {}): Promise<LabBinaries> {
  const env = options.env ?? process.env;
  const progress = options.onProgress ?? (() => undefined);
  const cacheDir = cacheDirectory(env);
  const prebuilt = [env.ISTHMUS_K8S_BIN, env.KUBEBUILDER_ASSETS].filter((d): d is string => d !== undefined && d !== "");
  const recipes = createRecipes(goEnv(env));
  const found: Partial<Record<BinaryKey, string>> = {};
  const started = Date.now();
  let built = 0;
  for (const key of Object.keys(binaryNames) as BinaryKey[]) {
    const name = binaryNames[key];
    const candidates = prebuilt.map((dir) => join(dir, name));
    const recipe = recipes[key];
    if (recipe === undefined) throw new BinariesError("BuildFailed", `No build recipe for ${name}`);
    const cached = join(cacheDir, "bin", recipe.id, name);
    let path: string | undefined;
    for (const candidate of [...candidates, cached]) {
      if (await isExecutable(candidate)) {
        path = candidate;
        break;
      }
    }
    if (path === undefined) {
      await mkdir(join(cacheDir, "bin", recipe.id), { recursive: true });
      progress(`building ${name} (${recipe.id}) from the Go module proxy; the first build takes minutes`);
      const t0 = Date.now();
      try {
        await buildBinary(recipe, { cacheDir, output: cached, env: goEnv(env), ...(options.signal ? { signal: options.signal } : {}) });
      } catch (err) {
        const code = (err as { code?: unknown }).code === "CommandNotFound" ? "GoMissing" : "BuildFailed";
        throw new BinariesError(code, `Cannot build ${name} (${recipe.pkg}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      progress(`✓ built ${name} in ${Math.round((Date.now() - t0) / 1000)} s`);
      built++;
      path = cached;
    }
    found[key] = path;
  }
  if (built > 0) progress(`✓ built ${built} binaries in ${Math.round((Date.now() - started) / 1000)} s (cached in ${cacheDir})`);
  return { ...(found as Record<BinaryKey, string>), kubernetesVersion: pins.kubernetes };
}
