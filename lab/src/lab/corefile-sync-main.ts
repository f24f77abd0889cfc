/**
 * Entry point of the Corefile sync process (one per lab cluster, in its control-plane
 * namespace): polls the `kube-system/coredns` ConfigMap every 2 s and writes its Corefile to
 * the file CoreDNS reads. Runs until SIGTERM.
 */
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { syncCorefileOnce } from "./corefile-sync.js";
import { readKubeTarget } from "./kube-transport.js";

const { values } = parseArgs({ options: { kubeconfig: { type: "string" }, file: { type: "string" } }, strict: true });
if (values.kubeconfig === undefined || values.file === undefined) {
  process.stderr.write("usage: corefile-sync-main --kubeconfig FILE --file COREFILE\n");
  process.exit(2);
}
const { kubeconfig, file } = values;
const stop = new AbortController();
process.once("SIGTERM", () => {
  stop.abort();
});
const target = await readKubeTarget(kubeconfig);
while (!stop.signal.aborted) {
  try {
    if (await syncCorefileOnce(target, file)) process.stdout.write(`${new Date().toISOString()} wrote ${file}\n`);
  } catch (err) {
    process.stderr.write(`${new Date().toISOString()} sync failed, retrying: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  await sleep(2_000, undefined, { signal: stop.signal }).catch(() => undefined);
}
