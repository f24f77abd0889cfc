import { createConnection } from "node:net";
import { join } from "node:path";
import { errorMessage } from "@isthmus/core/errors";
import { normalizeDeviceConfig, type DeviceConfig, type DeviceState } from "./config.js";
import { WireguardError } from "./errors.js";
import { planDeviceUpdate, type DevicePlan } from "./plan.js";
import { checkUapiErrno, parseGetResponse, serializeSetRequest, uapiGetRequest, type UapiSetRequest } from "./uapi.js";

/** Where userspace WireGuard implementations put their UAPI sockets. */
export const defaultUapiSocketDir = "/var/run/wireguard";

/** The UAPI socket path of `device` in `dir` (default {@link defaultUapiSocketDir}). */
export function uapiSocketPath(device: string, dir: string = defaultUapiSocketDir): string {
  return join(dir, `${device}.sock`);
}

/** Options of {@link createUapiClient}. */
export interface UapiClientOptions {
  /** The device's UAPI socket, e.g. `/var/run/wireguard/isthmus-wg.sock`. */
  readonly socketPath: string;
  /** Deadline of one request in ms; default 5000. */
  readonly timeoutMs?: number;
}

/** A client of one device's UAPI socket; every call opens its own connection. */
export interface UapiClient {
  /** The socket this client talks to. */
  readonly socketPath: string;
  /** Reads the device: config plus statistics. Read-only; safe to call at any time. */
  getDevice(): Promise<DeviceState>;
  /** Sends one raw `set` request; throws WireguardError "UapiErrno" when the device refuses it. */
  set(request: UapiSetRequest): Promise<void>;
  /**
   * Makes the device equal to `config` in ONE call: reads it, computes the minimal `set`
   * (changed device fields, removed peers, changed peer fields) and sends it only when something
   * differs. Idempotent: applying the same config again sends nothing and returns no changes.
   * Throws WireguardError "InvalidConfig" before touching the device when `config` is invalid.
   */
  applyDevice(config: DeviceConfig): Promise<DevicePlan>;
}

/** Sends `request` on a fresh connection to `socketPath` and resolves with the full answer. */
export function uapiRequest(socketPath: string, request: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let answer = "";
    const fail = (err: WireguardError): void => {
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => {
      fail(new WireguardError("UapiTimeout", `UAPI request to ${socketPath} got no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk: string) => {
      answer += chunk;
      if (/(^|\n)errno=-?\d+\n\n$/.test(answer)) {
        clearTimeout(timer);
        socket.end();
        resolve(answer);
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      fail(new WireguardError("UapiUnavailable", `Cannot talk to the WireGuard device at ${socketPath}: ${errorMessage(err)}`, { cause: err }));
    });
    socket.on("close", () => {
      clearTimeout(timer);
      reject(new WireguardError("UapiProtocol", `The WireGuard device at ${socketPath} closed the connection before answering completely`));
    });
  });
}

/** Creates a UAPI client for one device socket. */
export function createUapiClient(options: UapiClientOptions): UapiClient {
  const { socketPath } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const getDevice = async (): Promise<DeviceState> => parseGetResponse(await uapiRequest(socketPath, uapiGetRequest, timeoutMs));
  const set = async (request: UapiSetRequest): Promise<void> => {
    checkUapiErrno(await uapiRequest(socketPath, serializeSetRequest(request), timeoutMs), `UAPI set on ${socketPath}`);
  };
  return {
    socketPath,
    getDevice,
    set,
    async applyDevice(config) {
      const desired = normalizeDeviceConfig(config);
      const plan = planDeviceUpdate(await getDevice(), desired);
      if (plan.request !== undefined) await set(plan.request);
      return plan;
    },
  };
}
