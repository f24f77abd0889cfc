/**
 * How the first run builds what is missing: one build per Go module (the five Kubernetes
 * binaries are one `go build`), as many builds at a time as the machine has cores, and an
 * estimate of the time left from how long each build took last time on this machine
 * (`<cache>/build-times.json`), else from a cold build measured on a 2-core machine (ADR 0002).
 * Go's own build cache (`GOCACHE`, default `~/.cache/go-build`) is shared by every version and
 * every module: a pin bump recompiles only the packages that changed.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One build: the module (recipe id) and the binaries it makes. */
export interface BuildGroup<K extends string> {
  readonly id: string;
  readonly keys: readonly K[];
}

/** Groups missing binaries by their recipe's module, in first-seen order. */
export function groupBuilds<K extends string>(missing: readonly K[], idOf: (key: K) => string): BuildGroup<K>[] {
  const groups = new Map<string, K[]>();
  for (const key of missing) {
    const id = idOf(key);
    groups.set(id, [...(groups.get(id) ?? []), key]);
  }
  return [...groups].map(([id, keys]) => ({ id, keys }));
}

/** A build's family: its recipe id without the version (`kubernetes-v1.34.4` → `kubernetes`). */
export function familyOf(id: string): string {
  return id.replace(/-v\d.*$/, "");
}

/**
 * Cold build times (s) on a 2-core machine with empty module and build caches (2026-12-06,
 * issue #20): used until this machine has its own record.
 */
export const coldBuildSeconds: Readonly<Record<string, number>> = Object.freeze({
  kubernetes: 460,
  etcd: 60,
  coredns: 150,
  "wireguard-go": 15,
  helm: 300,
  // Issue #18 (previous session's cold build; flannel's modules are many, its binary 54 MB).
  flannel: 360,
  "flannel-cni": 30,
});

/**
 * How long `durations` (ms) take on `workers` parallel workers, each next build going to the
 * worker free first (the order the builds start in).
 */
export function makespanMs(durations: readonly number[], workers: number): number {
  const free = Array.from({ length: Math.max(1, workers) }, () => 0);
  for (const d of durations) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] ?? 0) + d;
  }
  return Math.max(0, ...free);
}

/** What a build is expected to take (ms): this machine's last time, else the cold default, else 5 min. */
export function expectedMs(id: string, record: Readonly<Record<string, number>>): number {
  const family = familyOf(id);
  return 1000 * (record[family] ?? coldBuildSeconds[family] ?? 300);
}

/** "about 7 min", "about 40 s", "under 10 s". */
export function formatEstimate(ms: number): string {
  if (ms < 10_000) return "under 10 s";
  if (ms < 90_000) return `about ${Math.round(ms / 10_000) * 10} s`;
  return `about ${Math.round(ms / 60_000)} min`;
}

function recordFile(cacheDir: string): string {
  return join(cacheDir, "build-times.json");
}

/** This machine's last build time (s) per family; empty when there is none (or it is unreadable). */
export async function readBuildTimes(cacheDir: string): Promise<Record<string, number>> {
  try {
    const parsed = JSON.parse(await readFile(recordFile(cacheDir), "utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === "number" && e[1] > 0));
  } catch (err) {
    // No record yet (first run) or a damaged one: the estimate falls back to the cold defaults.
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || err instanceof SyntaxError) return {};
    throw err;
  }
}

/** Records how long a build of `id` took (atomically; concurrent writers may lose an entry, never the file). */
export async function recordBuildTime(cacheDir: string, id: string, ms: number): Promise<void> {
  const times = { ...(await readBuildTimes(cacheDir)), [familyOf(id)]: Math.max(1, Math.round(ms / 1000)) };
  const file = recordFile(cacheDir);
  await writeFile(`${file}.${process.pid}.tmp`, `${JSON.stringify(times, null, 2)}\n`);
  await rename(`${file}.${process.pid}.tmp`, file);
}
