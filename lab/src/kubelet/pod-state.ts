import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

/**
 * What the kubelet records per pod in `<stateDir>/pods/<ns>_<name>/pod.json`: enough for
 * `lab exec` (netns, ip, pid) and for a restarted kubelet to adopt live processes or clean up
 * (CNI DEL with the cached result, kill leftover pids).
 */
export const podStateSchema = z.object({
  uid: z.string().min(1),
  namespace: z.string().min(1),
  name: z.string().min(1),
  /** Pod network namespace name (absent for hostNetwork pods). */
  netns: z.string().optional(),
  ip: z.string().optional(),
  /** Pid of the first container's process (0 when none runs). */
  pid: z.number().int().nonnegative(),
  hostNetwork: z.boolean(),
  cniResult: z.record(z.string(), z.unknown()).optional(),
  containers: z.record(
    z.string(),
    z.object({
      pid: z.number().int().nonnegative(),
      /** The program's entry file, to recognise the process after a kubelet restart. */
      entry: z.string(),
      startedAt: z.string(),
      restartCount: z.number().int().nonnegative(),
    }),
  ),
});

/** The pod.json record. */
export type PodState = z.infer<typeof podStateSchema>;

/** `<ns>_<name>`, the pod's directory name under `<stateDir>/pods`. */
export function podDirName(namespace: string, name: string): string {
  return `${namespace}_${name}`;
}

/** Absolute path of the pod's state directory. */
export function podDir(stateDir: string, namespace: string, name: string): string {
  return join(stateDir, "pods", podDirName(namespace, name));
}

/** Writes pod.json atomically. */
export async function writePodState(dir: string, state: PodState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `pod.json.tmp-${process.pid}`);
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temp, join(dir, "pod.json"));
}

/** Reads pod.json, or undefined when it is missing or unreadable (a stale dir is then cleaned). */
export async function readPodState(dir: string): Promise<PodState | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, "pod.json"), "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = podStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The `<ns>/<name>` keys of every pod directory under `<stateDir>/pods`. */
export async function listPodDirs(stateDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(join(stateDir, "pods"));
  } catch {
    return [];
  }
  return entries.filter((e) => e.includes("_")).map((e) => e.replace("_", "/"));
}
