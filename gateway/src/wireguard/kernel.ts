// Design notes: the kernel backend drives the in-kernel WireGuard module: the link is created
// with `ip link add <dev> type wireguard` (once, not on a hot path) and configured over the
// generic-netlink "wireguard" family (npm `netlink`), with the same one-call minimal apply as the
// userspace backend (read, plan, send one SET_DEVICE). The socket lives in the network namespace
// of the process that opens it, which is the gateway's (hostNetwork). The test machines have no
// WireGuard module, so this backend is covered by unit tests of its messages and of its apply
// logic over a fake transport; `isKernelWireguardAvailable()` picks it only where the module is.
import { existsSync } from "node:fs";
import { errorMessage } from "@isthmus/core/errors";
import { createWireGuard, type wg } from "netlink";
import type { Logger } from "pino";
import { runTool } from "../system/command.js";
import type { WireguardBackend } from "./backend.js";
import { normalizeDeviceConfig } from "./config.js";
import { WireguardError } from "./errors.js";
import { decodeGetDevice, encodeSetDevice } from "./kernel-messages.js";
import { planDeviceUpdate } from "./plan.js";

/** How the kernel backend reaches the WireGuard generic-netlink family (a seam for tests). */
export interface WireguardNetlinkTransport {
  /** GET_DEVICE (dump) of `device`: every message of the answer. */
  getDevice(device: string): Promise<wg.Device[]>;
  /** SET_DEVICE with `message` (its ifname names the device); rejects on a netlink error. */
  setDevice(message: wg.Device): Promise<void>;
  /** Closes the socket. Idempotent. */
  close(): void;
}

/** True when the running kernel has the WireGuard module loaded (or built in). */
export function isKernelWireguardAvailable(): boolean {
  return existsSync("/sys/module/wireguard");
}

/** Opens the real generic-netlink transport in the caller's network namespace. */
export async function openWireguardNetlink(): Promise<WireguardNetlinkTransport> {
  const socket = await createWireGuard();
  return {
    getDevice: (device) => socket.getDevice(device),
    async setDevice(message) {
      const { ifname, ...rest } = message;
      if (ifname === undefined) throw new WireguardError("NetlinkProtocol", "SET_DEVICE message without ifname");
      await socket.setDevice(ifname, rest);
    },
    close: () => { socket.socket.socket.close(); },
  };
}

/** Options of {@link createKernelBackend}. */
export interface KernelBackendOptions {
  /** Interface name (≤ 15 characters). */
  readonly device: string;
  /** Parent logger; the backend logs as `component: "wireguard-kernel"`. */
  readonly logger: Logger;
  /** The netlink transport; default {@link openWireguardNetlink}, opened at start. */
  readonly transport?: WireguardNetlinkTransport;
  /** Creates the link when missing; default `ip link add <dev> type wireguard`. */
  readonly createLink?: (device: string) => Promise<void>;
  /** Deletes the link; default `ip link del <dev>`. */
  readonly deleteLink?: (device: string) => Promise<void>;
}

async function ipLink(action: "add" | "del", device: string): Promise<void> {
  await runTool("ip", action === "add" ? ["link", "add", device, "type", "wireguard"] : ["link", "del", device]);
}

/** Creates the kernel (generic netlink) backend of one device. */
export function createKernelBackend(options: KernelBackendOptions): WireguardBackend {
  const { device } = options;
  const log = options.logger.child({ component: "wireguard-kernel", device });
  let transport = options.transport;
  const connected = (): WireguardNetlinkTransport => {
    if (transport === undefined) throw new WireguardError("BackendStopped", `WireGuard device ${device}: the kernel backend is not started`);
    return transport;
  };
  const getDevice = async () => decodeGetDevice(await connected().getDevice(device));
  return {
    kind: "kernel",
    device,
    async start() {
      transport ??= await openWireguardNetlink();
      try {
        await getDevice();
        log.info("adopting the existing kernel WireGuard device");
        return;
      } catch (err) {
        log.debug({ err }, "no readable WireGuard device yet; creating it");
      }
      try {
        await (options.createLink ?? ((d) => ipLink("add", d)))(device);
        await getDevice();
      } catch (err) {
        throw new WireguardError("BackendStartFailed", `Cannot create kernel WireGuard device ${device}: ${errorMessage(err)}`, { cause: err });
      }
    },
    getDevice,
    async applyDevice(config) {
      const plan = planDeviceUpdate(await getDevice(), normalizeDeviceConfig(config));
      if (plan.request !== undefined) await connected().setDevice(encodeSetDevice(device, plan.request));
      return plan;
    },
    stop() {
      transport?.close();
      transport = options.transport;
      return Promise.resolve();
    },
    async destroy() {
      try {
        await (options.deleteLink ?? ((d) => ipLink("del", d)))(device);
      } catch (err) {
        if (!errorMessage(err).includes("Cannot find device")) throw err;
      }
      transport?.close();
    },
  };
}
