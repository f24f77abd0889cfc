/**
 * Whether `isthmus join` asks the broker for global addressing (docs/adr/0206): decided before
 * anything is installed, from the broker's registry. Pure; the broker checks again at publish.
 */
import { formatGlobalRequest, parseGlobalRequest, type GlobalRequest } from "@isthmus/core/model";
import { contains, overlaps, parseCidr } from "@isthmus/core/net";
import { CliError } from "../command.js";
import type { ClusterCidrs } from "./validate.js";

/** What the operator said: a forced request (`--global-cidr`), "off" (`--no-global`) or nothing. */
export type GlobalFlag = GlobalRequest | "off" | undefined;

/** A member as the broker's registry lists it. */
export interface RegisteredCluster extends ClusterCidrs {
  readonly globalCidr?: string | undefined;
}

/** The decision: the request to hand the gateway (none: undefined) and the line that says why. */
export interface GlobalDecision {
  readonly request: GlobalRequest | undefined;
  readonly line: string | undefined;
}

/** Parses `--global-cidr` and `--no-global` (usage errors only). */
export function parseGlobalFlags(globalCidr: string | undefined, noGlobal: boolean): GlobalFlag {
  if (globalCidr !== undefined && noGlobal) throw new CliError("UsageError", "--global-cidr and --no-global contradict each other: give one");
  if (noGlobal) return "off";
  if (globalCidr === undefined) return undefined;
  try {
    return parseGlobalRequest(globalCidr);
  } catch (err) {
    throw new CliError("UsageError", `--global-cidr ${(err as Error).message.replace(/^Invalid global CIDR request: /, "")}`, { cause: err });
  }
}

const real = (c: ClusterCidrs): { text: string; what: string }[] => [
  ...c.podCidrs.map((text) => ({ text, what: "pod" })),
  ...c.serviceCidrs.map((text) => ({ text, what: "service" })),
];

/** Each member `mine` overlaps, with the first overlapping pair as a sentence. */
function clashesOf(mine: ClusterCidrs, others: readonly RegisteredCluster[]): { cluster: RegisteredCluster; why: string }[] {
  return others.flatMap((other) => {
    for (const a of real(mine)) {
      for (const b of real(other)) {
        if (overlaps(parseCidr(a.text), parseCidr(b.text))) return [{ cluster: other, why: `its ${a.what} CIDR ${a.text} overlaps ${b.what} CIDR ${b.text} of cluster "${other.id}"` }];
      }
    }
    return [];
  });
}

/**
 * Decides global addressing for `mine` joining a clusterset of `clusters` whose broker has the
 * global range `pool`. Throws CliError "Failed" for what the broker would refuse: `--no-global`
 * with an overlap (naming the cluster and CIDRs), real CIDRs inside a member's block, a forced
 * block outside the range, held by another cluster or overlapping a member's CIDRs, a forced
 * block other than the one the cluster holds.
 */
export function decideGlobal(input: { readonly mine: ClusterCidrs; readonly clusters: readonly RegisteredCluster[]; readonly pool: string; readonly flag: GlobalFlag }): GlobalDecision {
  const { mine, flag } = input;
  const pool = parseCidr(input.pool);
  const others = input.clusters.filter((c) => c.id !== mine.id);
  const held = input.clusters.find((c) => c.id === mine.id)?.globalCidr;
  for (const other of others) {
    if (other.globalCidr === undefined) continue;
    const inside = real(mine).find((m) => overlaps(parseCidr(m.text), parseCidr(other.globalCidr ?? "")));
    if (inside !== undefined) throw new CliError("Failed", `Cannot join "${mine.id}": its ${inside.what} CIDR ${inside.text} overlaps the global block ${other.globalCidr} of cluster "${other.id}"; re-address the cluster`);
  }
  const clashes = clashesOf(mine, others);
  if (flag === "off") {
    if (clashes.length > 0) {
      throw new CliError("Failed", `Cannot join "${mine.id}" without global addressing (--no-global): ${clashes.map((c) => c.why).join("; ")}. Drop --no-global to join with a global block, or re-address the cluster`);
    }
    if (held !== undefined) throw new CliError("Failed", `Cannot join "${mine.id}" without global addressing (--no-global): it holds the global block ${held} until it is removed (isthmus broker remove-cluster ${mine.id})`);
    return { request: undefined, line: undefined };
  }
  if (flag?.kind === "block") checkBlock(mine.id, parseCidr(flag.cidr), { pool, others, held });
  if (held !== undefined) {
    if (flag?.kind === "size" && parseCidr(held).prefix !== flag.prefix) {
      throw new CliError("Failed", `Cannot join "${mine.id}" with --global-cidr /${flag.prefix}: it holds the global block ${held} until it is removed (isthmus broker remove-cluster ${mine.id})`);
    }
    return { request: flag ?? parseGlobalRequest(held), line: `global addressing stays on: "${mine.id}" holds the global block ${held}` };
  }
  const promoted = clashes.filter((c) => c.cluster.globalCidr === undefined).map((c) => `"${c.cluster.id}"`);
  const also = promoted.length === 0 ? "" : ` (${promoted.join(", ")} get${promoted.length === 1 ? "s" : ""} one too)`;
  if (flag !== undefined) {
    return { request: flag, line: `global addressing on (--global-cidr ${formatGlobalRequest(flag)}): "${mine.id}" gets a block of ${pool.toString()}${also}` };
  }
  const first = clashes[0];
  if (first === undefined) return { request: undefined, line: undefined };
  const more = clashes.length > 1 ? ` and ${clashes.length - 1} more cluster(s)` : "";
  return { request: { kind: "auto" }, line: `global addressing on: ${first.why}${more}, so "${mine.id}" gets a block of ${pool.toString()}${also}` };
}

function checkBlock(id: string, block: ReturnType<typeof parseCidr>, context: { pool: ReturnType<typeof parseCidr>; others: readonly RegisteredCluster[]; held: string | undefined }): void {
  if (context.held !== undefined && context.held !== block.toString()) {
    throw new CliError("Failed", `Cannot join "${id}" with --global-cidr ${block.toString()}: it holds the global block ${context.held} until it is removed (isthmus broker remove-cluster ${id})`);
  }
  if (block.family !== context.pool.family || !contains(context.pool, block)) {
    throw new CliError("Failed", `Cannot join "${id}" with --global-cidr ${block.toString()}: it is outside the broker's global range ${context.pool.toString()}`);
  }
  for (const other of context.others) {
    if (other.globalCidr !== undefined && overlaps(block, parseCidr(other.globalCidr))) {
      throw new CliError("Failed", `Cannot join "${id}" with --global-cidr ${block.toString()}: cluster "${other.id}" holds ${other.globalCidr}`);
    }
    const hit = real(other).find((r) => overlaps(block, parseCidr(r.text)));
    if (hit !== undefined) throw new CliError("Failed", `Cannot join "${id}" with --global-cidr ${block.toString()}: it overlaps ${hit.what} CIDR ${hit.text} of cluster "${other.id}"`);
  }
}
