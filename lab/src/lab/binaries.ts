import { ensureBinaries, type LabBinaries } from "../binaries/index.js";

/**
 * The binaries the lab runs: the one place that decides where they come from. `ensureBinaries`
 * honours ISTHMUS_K8S_BIN / KUBEBUILDER_ASSETS, else uses (or fills) the pinned-version cache.
 */
export async function labBinaries(
  options: { readonly onProgress?: (line: string) => void; readonly env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<LabBinaries> {
  return ensureBinaries({ env: options.env ?? process.env, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
}
