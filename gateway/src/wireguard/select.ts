import type { Logger } from "pino";
import type { WireguardBackend } from "./backend.js";
import { createKernelBackend, isKernelWireguardAvailable } from "./kernel.js";
import { createUserspaceBackend, type UserspaceBackendOptions } from "./userspace.js";

/** Which backend to use: the kernel module, userspace wireguard-go, or kernel when present. */
export type WireguardBackendChoice = "auto" | "kernel" | "userspace";

/** Options of {@link createWireguardBackend}. */
export interface WireguardBackendOptions extends Omit<UserspaceBackendOptions, "logger"> {
  /** Default "auto": the kernel module when loaded, else wireguard-go. */
  readonly choice?: WireguardBackendChoice;
  /** Parent logger. */
  readonly logger: Logger;
  /** Overrides module detection (tests). */
  readonly kernelAvailable?: boolean;
}

/** Creates the backend for `choice` (see {@link WireguardBackendChoice}). */
export function createWireguardBackend(options: WireguardBackendOptions): WireguardBackend {
  const choice = options.choice ?? "auto";
  const kernel = choice === "kernel" || (choice === "auto" && (options.kernelAvailable ?? isKernelWireguardAvailable()));
  return kernel ? createKernelBackend({ device: options.device, logger: options.logger }) : createUserspaceBackend(options);
}
