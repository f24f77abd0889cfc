import { spawn, type ChildProcess } from "node:child_process";

/** The argv of the `lab/iperf3` workload: Debian's `iperf3 -s` plus the container's extra args. */
export function iperf3Argv(extra: readonly string[]): string[] {
  return ["-s", ...extra];
}

/** Starts `iperf3 -s` with stdio inherited (the pod's log); the caller forwards signals and its exit code. */
export function startIperf3(extra: readonly string[], binary = "iperf3"): ChildProcess {
  return spawn(binary, iperf3Argv(extra), { stdio: "inherit" });
}
