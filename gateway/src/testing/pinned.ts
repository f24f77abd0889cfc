import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the pinned wireguard-go, from the netns project's global setup. */
    readonly wireguardGo: string;
  }
}

/**
 * The pinned wireguard-go that the lab and the gateway image run, built by the netns project's
 * global setup (lab/src/testing/wireguard-go-setup.ts). For netns tests only.
 */
export function pinnedWireguardGo(): string {
  return inject("wireguardGo");
}
