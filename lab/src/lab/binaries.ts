import { ensureBinaries, ensureTool, type LabBinaries } from "../binaries/index.js";
import type { FlannelBinaries } from "./flannel.js";

/**
 * The binaries the lab runs: the one place that decides where they come from. `ensureBinaries`
 * honours ISTHMUS_K8S_BIN / KUBEBUILDER_ASSETS, else uses (or fills) the pinned-version cache.
 */
export async function labBinaries(
  options: { readonly onProgress?: (line: string) => void; readonly env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<LabBinaries> {
  return ensureBinaries({ env: options.env ?? process.env, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
}

/** flanneld and the flannel CNI plugin, built on demand (labs with a flannel cluster only). */
export async function flannelBinaries(
  options: { readonly onProgress?: (line: string) => void; readonly env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<FlannelBinaries> {
  const ensure = { env: options.env ?? process.env, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) };
  return { flanneld: await ensureTool("flanneld", ensure), cniPlugin: await ensureTool("flannelCni", ensure) };
}
