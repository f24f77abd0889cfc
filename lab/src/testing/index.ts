/**
 * `@isthmus/lab/testing`: what test suites running on a lab need beyond the public entry —
 * kubectl and exec helpers against the shared lab, the lab's command runner, condition waits
 * with deadlines, the lock file, pid files and built-in workload types. Re-exports only.
 * (The vitest global setup of the `lab` project is `global-setup.ts` here, loaded by path.)
 */
export { labExecOutput, labExecResult, labKubectl } from "./helpers.js";
export { labBinaries } from "../lab/binaries.js";
export { acquireLock, withLabLock } from "../lab/lock.js";
export { podAddressDir } from "../lab/nodes.js";
export { ensureOutside, outsideEchoPort } from "../lab/outside.js";
export { isAlive, readPid } from "../lab/processes.js";
export { nsenterArgv, runCommand, tail, type RunOptions, type RunResult } from "../lab/run.js";
export { waitFor, type WaitOptions } from "../lab/wait.js";
export type { EchoReply } from "../workloads/echo.js";
