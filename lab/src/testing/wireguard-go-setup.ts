/**
 * vitest global setup of the `netns` project: the tunnels in those tests run the pinned
 * wireguard-go the lab and the gateway image run (never Debian's 2022 build). It is built into
 * the lab's binary cache the first time (about a minute) and handed to the tests as
 * `inject("wireguardGo")`.
 */
import type { TestProject } from "vitest/node";
import { ensureBinary } from "../binaries/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the pinned wireguard-go (lab/src/binaries/pins.ts). */
    readonly wireguardGo: string;
  }
}

/** Builds or finds the pinned wireguard-go and provides its path. */
export async function setup(project: TestProject): Promise<void> {
  project.provide("wireguardGo", await ensureBinary("wireguardGo", { onProgress: (line) => process.stderr.write(`[wireguard-go] ${line}\n`) }));
}
