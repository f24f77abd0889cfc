import type { DeviceConfig, DeviceState } from "./config.js";
import type { DevicePlan } from "./plan.js";

/** The two ways a WireGuard device is driven. */
export type WireguardBackendKind = "kernel" | "userspace";

/**
 * One WireGuard device, whatever implements it (kernel module over generic netlink, or the
 * userspace `wireguard-go` over UAPI). Methods throw WireguardError; none of them logs errors
 * it throws (the caller does).
 */
export interface WireguardBackend {
  /** Which implementation this is. */
  readonly kind: WireguardBackendKind;
  /** The network interface name. */
  readonly device: string;
  /**
   * Makes the device exist and answer, adopting one that already runs (a restarted gateway keeps
   * the tunnel up). Idempotent; resolves once the device answers `getDevice`.
   */
  start(signal?: AbortSignal): Promise<void>;
  /** Reads the device: config and statistics. */
  getDevice(): Promise<DeviceState>;
  /** Makes the device equal to `config` in one call (see UapiClient.applyDevice). Idempotent. */
  applyDevice(config: DeviceConfig): Promise<DevicePlan>;
  /**
   * Stops supervising and releases resources held by this process, leaving the device and its
   * traffic running (so a restart adopts it). Idempotent.
   */
  stop(): Promise<void>;
  /** Removes the device (and ends a userspace daemon); for cleanup and uninstall. Idempotent. */
  destroy(): Promise<void>;
}
