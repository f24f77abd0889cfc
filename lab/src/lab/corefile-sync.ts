import { readFile, rename, writeFile } from "node:fs/promises";
import { kubeRoundTrip, type KubeTarget } from "./kube-transport.js";

/** Path of the ConfigMap that holds a lab cluster's Corefile. */
export const corefileConfigMapPath = "/api/v1/namespaces/kube-system/configmaps/coredns";

/**
 * Copies `data.Corefile` of `kube-system/coredns` to `file` when it differs (atomically, by
 * rename, so CoreDNS's reload never reads half a file). Returns true when it wrote. Imports
 * nothing of Isthmus: it runs in a long-lived helper process that should stay small.
 */
export async function syncCorefileOnce(target: KubeTarget, file: string): Promise<boolean> {
  const answer = await kubeRoundTrip(target, { method: "GET", path: corefileConfigMapPath, timeoutMs: 5_000 });
  if (answer.status !== 200) throw new Error(`GET ${corefileConfigMapPath} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
  const wanted = (JSON.parse(answer.text) as { data?: { Corefile?: string } }).data?.Corefile;
  if (wanted === undefined) return false;
  let current: string | undefined;
  try {
    current = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (current === wanted) return false;
  await writeFile(`${file}.tmp`, wanted);
  await rename(`${file}.tmp`, file);
  return true;
}
