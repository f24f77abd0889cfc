import type { IpTool } from "../system/ip.js";
import { applyGlobalNat, listGlobalNat, removeGlobalNat, renderGlobalNat, type GlobalNatRole, type GlobalNatSpec } from "./global-nat.js";

// Design notes (docs/adr/0206-global-addresses.md): the gateway writes its translation table
// when what it wants changes, and re-checks the kernel periodically for changes made behind its
// back (the table deleted, a chain flushed, a rule or the role comment edited by hand), as the
// egress gateway does (cni/src/egress/apply.ts): a check reads the table and writes only when it
// differs. The table is compared with what nft listed right after the last write, not with a
// rendering of our own: nft's listing is the one authority on how it prints a table (a second
// renderer would drift). A repair rewrites the whole table in one nft transaction, its role
// comment included, so a restarted agent still reads the right role from it.

/** The default of GlobalNatKeeperOptions.recheckMs: one read of the table every 10 s. */
export const defaultGlobalNatRecheckMs = 10_000;

/** Options of {@link createGlobalNatKeeper}. */
export interface GlobalNatKeeperOptions {
  /** How often the kernel is re-checked while a table is written, ms (default 10 s). */
  readonly recheckMs?: number;
  /** Told when a re-check is due: call `program` soon (the agent's serialized reconcile does); must not throw. */
  readonly onRecheck: () => void;
}

/** What one `program` did. */
export type GlobalNatChange = "unchanged" | "written" | "repaired";

/** The translation table of one gateway, written on change and put back when changed behind its back. */
export interface GlobalNatKeeper {
  /** The script of the last write ("" for no table); undefined before the first (the node keeps what it had). */
  readonly applied: string | undefined;
  /**
   * Makes the kernel hold `spec` under `role` (undefined: no table). Writes when that differs
   * from the last write ("written"), or, after `recheck()`, when the kernel's table differs from
   * what the last write left ("repaired"); otherwise runs no command, or one read when a check
   * was due. Throws what applyGlobalNat throws; the next call tries again.
   */
  program(spec: GlobalNatSpec | undefined, role: GlobalNatRole): Promise<GlobalNatChange>;
  /** Asks the next `program` to compare the kernel with the last write; false when no table was written (nothing to check). */
  recheck(): boolean;
  /** Stops the periodic re-checks (the table stays). */
  stop(): void;
}

/** Creates the keeper of the table in `tool`'s namespace (one per process); its re-checks start at once. */
export function createGlobalNatKeeper(tool: IpTool, options: GlobalNatKeeperOptions): GlobalNatKeeper {
  let applied: string | undefined;
  // The table as nft listed it right after the last write (undefined: no table).
  let listed: string | undefined;
  let due = false;
  const write = async (spec: GlobalNatSpec | undefined, role: GlobalNatRole, script: string): Promise<void> => {
    if (spec === undefined) await removeGlobalNat(tool);
    else await applyGlobalNat(tool, spec, role);
    listed = spec === undefined ? undefined : await listGlobalNat(tool);
    applied = script;
  };
  const recheck = (): boolean => {
    if (applied === undefined || applied === "") return false;
    due = true;
    return true;
  };
  const timer = setInterval(() => {
    if (recheck()) options.onRecheck();
  }, options.recheckMs ?? defaultGlobalNatRecheckMs);
  return {
    get applied() {
      return applied;
    },
    async program(spec, role) {
      const script = spec === undefined ? "" : renderGlobalNat(spec, role);
      if (script !== applied) {
        due = false;
        await write(spec, role, script);
        return "written";
      }
      if (!due) return "unchanged";
      due = false;
      if ((await listGlobalNat(tool)) === listed) return "unchanged";
      await write(spec, role, script);
      return "repaired";
    },
    recheck,
    stop() {
      clearInterval(timer);
    },
  };
}
