// ICMP probes through `ping` (Node has no raw sockets): one long-running `ping -O` per target,
// its output parsed line by line. `-O` reports a probe with no answer when the next one is sent,
// so losses surface one interval late, at the probe rate. A ping that exits (no route yet, device
// gone) is restarted after an interval and counts as a lost probe each time.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { systemClock, type Clock, type Timer } from "@isthmus/core/runtime";
import type { Logger } from "pino";
import type { ProbeSource, ProbeStreamOptions } from "./source.js";

const replyPattern = /icmp_seq=\d+ .*time=([\d.]+) ms/;
const lossPattern = /no answer yet for icmp_seq=\d+|icmp_seq=\d+ .*Unreachable/i;

/** What one line of `ping -n -O` output says: an RTT, a loss, or nothing. */
export function parsePingLine(line: string): { kind: "reply"; rttMs: number } | { kind: "loss" } | undefined {
  const reply = replyPattern.exec(line);
  if (reply?.[1] !== undefined) return { kind: "reply", rttMs: Number(reply[1]) };
  return lossPattern.test(line) ? { kind: "loss" } : undefined;
}

/** Options of {@link createIcmpProbeSource}. */
export interface IcmpProbeSourceOptions {
  /** Parent logger. */
  readonly logger: Logger;
  /** Ping from inside this named network namespace; absent = the process's own. */
  readonly netns?: string;
  /** Source address of the probes (the gateway's tunnel address). */
  readonly sourceAddress?: string;
  /** Time source for restarts; default the system clock. */
  readonly clock?: Clock;
}

/** Creates a {@link ProbeSource} that runs `ping` (needs CAP_NET_RAW for intervals under 200 ms). */
export function createIcmpProbeSource(options: IcmpProbeSourceOptions): ProbeSource {
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: "icmp-probe" });
  return {
    start(address, stream: ProbeStreamOptions) {
      let stopped = false;
      let child: ChildProcess | undefined;
      let timer: Timer | undefined;
      let failures = 0;
      const args = ["-n", "-O", "-i", String(stream.intervalMs / 1000), "-W", String(stream.timeoutMs / 1000)];
      if (options.sourceAddress !== undefined) args.push("-I", options.sourceAddress);
      args.push(address);
      const run = (): void => {
        const argv = options.netns === undefined ? ["ping", ...args] : ["ip", "netns", "exec", options.netns, "ping", ...args];
        const [file = "ping", ...rest] = argv;
        const proc = spawn(file, rest, { stdio: ["ignore", "pipe", "pipe"] });
        child = proc;
        createInterface({ input: proc.stdout }).on("line", (line) => {
          const parsed = parsePingLine(line);
          if (parsed === undefined || stopped) return;
          if (parsed.kind === "reply") failures = 0;
          stream.onOutcome(parsed.kind === "reply" ? parsed.rttMs : undefined);
        });
        let stderr = "";
        proc.stderr.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-512); });
        proc.on("exit", (code) => {
          if (stopped) return;
          failures += 1;
          if (failures === 1) log.warn({ address, code, stderr: stderr.trim() }, "ping exited; counting a lost probe and restarting it each interval");
          stream.onOutcome(undefined);
          timer = clock.setTimeout(run, stream.intervalMs);
        });
      };
      run();
      return () => {
        stopped = true;
        timer?.cancel();
        child?.kill();
      };
    },
  };
}
