import type { CommandRunner } from "../datapath/exec.js";
import { CniError } from "../plugin/errors.js";
import type { PolicyRuleset } from "./compile.js";
import { type ExistingObjects, policyTable, renderPolicyScript } from "./render.js";

const [family = "", table = ""] = policyTable.split(" ");

interface NftObject {
  chain?: { name?: string };
  counter?: { name?: string; packets?: number; bytes?: number };
}

async function listTable(runner: CommandRunner): Promise<NftObject[] | undefined> {
  const out = await runner.run(["nft", "-j", "list", "table", family, table], { allowFailure: true });
  if (out.code !== 0) {
    if (out.stderr.includes("No such file or directory")) return undefined;
    throw new CniError("IoFailure", `Cannot read nft table ${policyTable}: ${out.stderr.trim()}`);
  }
  return (JSON.parse(out.stdout) as { nftables?: NftObject[] }).nftables ?? [];
}

/** The chains and counters of the policy table in the kernel (none when there is no table). */
export async function readPolicyObjects(runner: CommandRunner): Promise<ExistingObjects> {
  const objects = (await listTable(runner)) ?? [];
  return {
    chains: objects.flatMap((o) => (o.chain?.name === undefined ? [] : [o.chain.name])),
    counters: objects.flatMap((o) => (o.counter?.name === undefined ? [] : [o.counter.name])),
  };
}

/** Replaces the policy table's contents with `ruleset` in one `nft -f -` transaction (read, render, apply). */
export async function applyPolicyRuleset(runner: CommandRunner, ruleset: PolicyRuleset): Promise<void> {
  const existing = await readPolicyObjects(runner);
  await runner.run(["nft", "-f", "-"], { stdin: renderPolicyScript(ruleset, existing) });
}

/** Packets and bytes of every named counter of the policy table, by counter name. */
export async function readDropCounters(runner: CommandRunner): Promise<ReadonlyMap<string, { readonly packets: number; readonly bytes: number }>> {
  const objects = (await listTable(runner)) ?? [];
  return new Map(objects.flatMap((o) => (o.counter?.name === undefined ? [] : [[o.counter.name, { packets: o.counter.packets ?? 0, bytes: o.counter.bytes ?? 0 }] as const])));
}

/** Deletes the policy table (uninstall only: while the agent runs, the table is only ever replaced); idempotent. */
export async function deletePolicyTable(runner: CommandRunner): Promise<void> {
  const out = await runner.run(["nft", "delete", "table", family, table], { allowFailure: true });
  if (out.code !== 0 && !out.stderr.includes("No such file or directory")) throw new CniError("IoFailure", `Cannot delete nft table ${policyTable}: ${out.stderr.trim()}`);
}

/** The sysctl that sends frames bridged between pods of one node through the inet forward hook. */
export const bridgeNetfilterSysctl = "net.bridge.bridge-nf-call-iptables";

/**
 * Makes bridged IPv4 traffic (pod to pod on one node, over isthmus0) pass the forward hook:
 * loads br_netfilter when it is a module and sets {@link bridgeNetfilterSysctl} to 1 in the
 * runner's namespace. Returns false when the kernel has no br_netfilter (then same-node pod
 * traffic is not filtered; the caller logs that).
 */
export async function ensureBridgeNetfilter(runner: CommandRunner): Promise<boolean> {
  const set = async (): Promise<boolean> => (await runner.run(["sysctl", "-q", "-w", `${bridgeNetfilterSysctl}=1`], { allowFailure: true })).code === 0;
  if (await set()) return true;
  // A node image without modprobe (or a kernel without modules) is told apart by the sysctl below.
  await runner.run(["modprobe", "br_netfilter"], { allowFailure: true }).catch(() => undefined);
  return set();
}
