/**
 * A lab of a suite's own, driven through the built `isthmus` command: its state directory,
 * namespace prefix and host ports (moved with ISTHMUS_LAB_STATE_DIR, ISTHMUS_LAB_PREFIX and
 * ISTHMUS_LAB_PORT_BASE) stay apart from the shared lab, so killing its components or taking it
 * down never disturbs suites that share the default lab.
 */
import { join } from "node:path";
import { findLeftovers, planLab, repoRoot, type LabLocation, type Leftovers } from "@isthmus/lab";
import { runCommand, type RunResult } from "@isthmus/lab/testing";

/** A suite's own lab. */
export interface OwnLab {
  readonly location: Required<LabLocation>;
  readonly portBase: number;
  /** Runs `isthmus args…` against this lab; never throws on a non-zero exit. */
  readonly isthmus: (args: readonly string[], timeoutMs?: number) => Promise<RunResult>;
  /** What is left of this lab (after `lab down`: every list empty). */
  readonly leftovers: () => Promise<Leftovers>;
}

/** The lab named `name` (`/var/lib/isthmus-<name>`, namespaces `isthmus-<name>-…`), apiservers at `portBase` + i. */
export function ownLab(name: string, portBase: number): OwnLab {
  const location = { stateDir: `/var/lib/isthmus-${name}`, namePrefix: `isthmus-${name}-` };
  const env = [`ISTHMUS_LAB_STATE_DIR=${location.stateDir}`, `ISTHMUS_LAB_PREFIX=${location.namePrefix}`, `ISTHMUS_LAB_PORT_BASE=${String(portBase)}`];
  return {
    location,
    portBase,
    isthmus: (args, timeoutMs = 60_000) =>
      runCommand(["env", ...env, process.execPath, join(repoRoot, "cli/bin/isthmus.js"), ...args], { timeoutMs, allowFailure: true }),
    leftovers: () => findLeftovers(planLab({ ...location, localPortBase: portBase })),
  };
}
