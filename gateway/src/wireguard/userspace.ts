// Design notes: the userspace backend runs `wireguard-go -f <dev>` as a detached child whose
// output goes to a file (never a pipe: a Go daemon dies writing to a closed pipe, and the tunnel
// must outlive a gateway restart). Readiness is "the UAPI socket answers get". A daemon that is
// already answering at start is adopted, not replaced. While running, the backend restarts its
// daemon when it exits (or, when adopted, when its socket stops answering) after a capped
// exponential backoff, and calls `onRestart` so the owner re-applies its config (a fresh daemon
// starts empty). `stop()` leaves the daemon running; `destroy()` deletes the link, which makes
// wireguard-go exit and remove its socket.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import { errorMessage } from "@isthmus/core/errors";
import { backoffDelay, systemClock, type Backoff, type Clock, type Timer } from "@isthmus/core/runtime";
import type { Logger } from "pino";
import { runTool } from "../system/command.js";
import type { WireguardBackend } from "./backend.js";
import { WireguardError } from "./errors.js";
import { parseWireguardGoVersion } from "./version.js";
import { createUapiClient, defaultUapiSocketDir, uapiSocketPath } from "./uapi-client.js";

/** Options of {@link createUserspaceBackend}. */
export interface UserspaceBackendOptions {
  /** Interface name (≤ 15 characters). */
  readonly device: string;
  /** Path of the `wireguard-go` binary. */
  readonly binary: string;
  /** Run the daemon inside this named network namespace (`ip netns exec`); absent = ours. */
  readonly netns?: string;
  /** Directory of UAPI sockets; default /var/run/wireguard (the daemon's compiled-in path). */
  readonly socketDir?: string;
  /** Parent logger; the backend logs as `component: "wireguard-userspace"`. */
  readonly logger: Logger;
  /** Deadline for the daemon to answer after a spawn, ms; default 5000. */
  readonly readyTimeoutMs?: number;
  /** Restart backoff; default 100 ms doubling to 10 s. */
  readonly backoff?: Backoff;
  /** Liveness check period of an adopted daemon, ms; default 2000. */
  readonly watchIntervalMs?: number;
  /** Called after a crashed daemon answers again; the owner re-applies its config. */
  readonly onRestart?: () => void;
  /** Time source for backoff and polling; default the system clock. */
  readonly clock?: Clock;
}

const defaultBackoff: Backoff = { baseMs: 100, maxMs: 10_000, jitter: 0.2 };

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** Creates the userspace (wireguard-go) backend of one device. */
export function createUserspaceBackend(options: UserspaceBackendOptions): WireguardBackend {
  const { device, binary, netns } = options;
  const socketDir = options.socketDir ?? defaultUapiSocketDir;
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: "wireguard-userspace", device, ...(netns === undefined ? {} : { netns }) });
  const client = createUapiClient({ socketPath: uapiSocketPath(device, socketDir), timeoutMs: 2000 });
  const logPath = `${socketDir}/${device}.log`;
  let child: ChildProcess | undefined;
  let running = false;
  let failures = 0;
  let timer: Timer | undefined;

  const answers = async (): Promise<boolean> => {
    try {
      await client.getDevice();
      return true;
    } catch (err) {
      if (err instanceof WireguardError && err.code !== "UapiProtocol") return false;
      throw err;
    }
  };

  const waitReady = async (signal?: AbortSignal): Promise<void> => {
    const deadline = clock.now() + (options.readyTimeoutMs ?? 5000);
    while (clock.now() < deadline) {
      signal?.throwIfAborted();
      if (await answers()) return;
      if (child?.exitCode !== null && child?.exitCode !== undefined) break;
      await sleep(clock, 20);
    }
    throw new WireguardError("BackendStartFailed", `wireguard-go for ${device} did not answer on ${client.socketPath} within ${options.readyTimeoutMs ?? 5000} ms (exit code ${child?.exitCode ?? "none"}; log in ${logPath})`);
  };

  const spawnDaemon = (): void => {
    mkdirSync(socketDir, { recursive: true });
    const out = openSync(logPath, "a");
    const argv = netns === undefined ? [binary, "-f", device] : ["ip", "netns", "exec", netns, binary, "-f", device];
    const [file = binary, ...args] = argv;
    const proc = spawn(file, args, {
      detached: true,
      stdio: ["ignore", out, out],
      env: { ...process.env, WG_PROCESS_FOREGROUND: "1", LOG_LEVEL: "error" },
    });
    closeSync(out);
    proc.unref();
    child = proc;
    log.info({ pid: proc.pid }, "started wireguard-go");
    proc.on("exit", (code, sig) => {
      if (child === proc) child = undefined;
      if (!running) return;
      log.warn({ code, signal: sig }, "wireguard-go exited; restarting it");
      scheduleRestart();
    });
  };

  const restart = async (): Promise<void> => {
    timer = undefined;
    if (!running) return;
    try {
      if (!(await answers())) {
        spawnDaemon();
        await waitReady();
      }
      failures = 0;
      log.info("wireguard-go answers again");
      options.onRestart?.();
      if (child === undefined) watch();
    } catch (err) {
      log.warn({ err }, "restart of wireguard-go failed; retrying with backoff");
      scheduleRestart();
    }
  };

  function scheduleRestart(): void {
    timer?.cancel();
    failures += 1;
    timer = clock.setTimeout(() => void restart(), backoffDelay(failures, options.backoff ?? defaultBackoff));
  }

  // An adopted daemon is not our child: poll its socket instead of waiting for an exit event.
  function watch(): void {
    timer = clock.setTimeout(() => {
      void answers().then(
        (ok) => {
          if (!running) return;
          if (ok) watch();
          else {
            log.warn("adopted wireguard-go stopped answering; starting our own");
            scheduleRestart();
          }
        },
        (err: unknown) => {
          log.warn({ err }, "liveness check of wireguard-go failed; checking again");
          if (running) watch();
        },
      );
    }, options.watchIntervalMs ?? 2000);
  }

  // Which build runs is the first thing to know about a slow tunnel: say it, and warn about one
  // without the offloads. Informational only: a binary that cannot say still gets started.
  const logVersion = async (): Promise<void> => {
    try {
      const parsed = parseWireguardGoVersion(await runTool(binary, ["--version"], { timeoutMs: 5000 }));
      if (parsed === undefined) log.warn({ binary }, "cannot tell the wireguard-go version");
      else if (parsed.outdated) log.warn({ binary, version: parsed.version }, "this wireguard-go predates the 2023 offloads: expect a fraction of a current build's throughput");
      else log.info({ binary, version: parsed.version }, "wireguard-go version");
    } catch (err) {
      log.warn({ binary, err: errorMessage(err) }, "cannot run wireguard-go --version; starting it anyway");
    }
  };

  return {
    kind: "userspace",
    device,
    async start(signal) {
      if (running) return;
      if (await answers()) {
        log.info("adopting the running wireguard-go");
        running = true;
        watch();
        return;
      }
      await logVersion();
      spawnDaemon();
      running = true;
      try {
        await waitReady(signal);
      } catch (err) {
        running = false;
        child?.kill("SIGKILL");
        throw err;
      }
    },
    getDevice: () => client.getDevice(),
    applyDevice: (config) => client.applyDevice(config),
    stop() {
      running = false;
      timer?.cancel();
      timer = undefined;
      child = undefined;
      return Promise.resolve();
    },
    async destroy() {
      running = false;
      timer?.cancel();
      const proc = child;
      const exited = proc?.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => proc.once("exit", () => { resolve(); }));
      try {
        await runTool("ip", ["link", "del", "dev", device], { netns });
      } catch (err) {
        if (!errorMessage(err).includes("Cannot find device")) throw err;
      }
      let grace: Timer | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => { grace = clock.setTimeout(resolve, 3000); })]);
      grace?.cancel();
      if (proc?.exitCode === null) proc.kill("SIGKILL");
      child = undefined;
      rmSync(logPath, { force: true });
    },
  };
}
