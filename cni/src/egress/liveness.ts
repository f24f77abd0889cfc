/*
 * Design notes: liveness of the egress nodes (issue #17, ADR 0407).
 *
 * Node readiness moves in tens of seconds; the issue asks for failover within 1 s. So every
 * isthmus-node that has a part in an EgressGateway probes the nodes it depends on over the
 * underlay, with one UDP socket on `defaults.egressProbePort` that both answers other nodes'
 * probes and sends its own (16 bytes: magic, sequence, nonce; an answer is the request with the
 * answer magic, so nothing is amplified):
 *   - a node with steered pods probes the resource's candidates (its possible egress nodes);
 *   - a candidate probes the other candidates, the nodes that steer to it and two witnesses.
 * A peer is dead when it answered once and then not for `deadAfterMs`. A peer that never
 * answered is unknown, not dead: its agent may be starting, or older than the probes (a rolling
 * upgrade), and then the Node's Ready condition alone decides, as before the probes. Dead peers
 * are fed to the planner, which skips them; every node applies the same rule to its own probes,
 * so they agree once each has seen the death (about `deadAfterMs` plus one interval).
 * A node whose peers are all dead (none unknown) counts itself cut off ("isolated") and reports itself as
 * unreachable too: a candidate cut off from everyone stops serving and gives up the address,
 * so it announces it again when it comes back (ADR 0407, split brain).
 *
 * A node that stops serving an egress address tells its peers (`release`: 16 bytes, magic, the
 * address and a release number; a node older than this ignores it). A standby that wrongly took
 * the address (it found the active node dead while the active node kept serving: a starved
 * prober, an asymmetric loss) announced it, so the segment's router sends the replies to the
 * standby's MAC; the active node's own probes may have seen nothing change, so this message is
 * what tells it to announce again. Only a current peer's message counts. The receiver confirms
 * each release with the same bytes under another magic; the sender repeats an unconfirmed one
 * with its probes, `releaseTries` times in all, so one lost datagram does not leave the router at
 * the wrong MAC. A repeat the receiver already acted on (same peer, address and number) only
 * gets its confirmation again. Number 0 is what an older sender puts there (zeros): never a repeat.
 *
 * The check of answers runs in `setImmediate` after each tick, so answers already received but
 * not yet read after an event-loop stall are counted before anyone is declared dead; and a tick
 * that comes late (this process got no CPU) moves every peer's last answer forward by the delay:
 * our own stall is not the peers' silence (a starved pod node would otherwise find every
 * candidate dead, count itself cut off and stop steering).
 */
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { systemClock, type Clock, type Timer } from "@isthmus/core/runtime";
import type { Logger } from "pino";

/** Timing of the probes. */
export interface LivenessPolicy {
  /** Time between two probes to one peer, ms. */
  readonly intervalMs: number;
  /** A peer that answered before is dead after this long without an answer, ms. */
  readonly deadAfterMs: number;
}

/** 100 ms probes, dead after 450 ms of silence (detection 0.45-0.55 s). */
export const defaultLivenessPolicy: LivenessPolicy = Object.freeze({ intervalMs: 100, deadAfterMs: 450 });

const requestMagic = Buffer.from("ISTHEGQ1");
const answerMagic = Buffer.from("ISTHEGA1");
const releaseMagic = Buffer.from("ISTHEGR1");
const releaseAckMagic = Buffer.from("ISTHEGK1");
/** Bytes of a probe: magic (8), sequence (4), nonce (4); of a release and its confirmation: magic (8), address (4), number (4). */
export const probeBytes = 16;
/** How often a release is sent to a peer that does not confirm it, one probe interval apart. */
export const releaseTries = 5;

/** The IPv4 address in bytes 8-11 of a release or its confirmation. */
const addressOf = (msg: Buffer): string => [...msg.subarray(8, 12)].join(".");

/** Which peers answered when; pure apart from the times it is given. */
export interface PeerTable {
  /** Makes the peers exactly `names` (a new one is unknown until it answers). Idempotent. */
  setPeers(names: readonly string[]): void;
  /** Records an answer of `name` at `now` (ignored for a name that is not a peer). */
  answered(name: string, now: number): void;
  /** The peers dead at `now`, sorted. */
  dead(now: number): string[];
  /** "unknown" (never answered), "up" or "dead" at `now`; undefined for a name that is not a peer. */
  state(name: string, now: number): "unknown" | "up" | "dead" | undefined;
  /** True when there is at least one peer and every one is dead at `now`. */
  isolated(now: number): boolean;
  /** Moves every peer's last answer `ms` later (this process was stalled that long). */
  shift(ms: number): void;
}

/** Creates a {@link PeerTable} with `policy`. */
export function createPeerTable(policy: LivenessPolicy): PeerTable {
  const peers = new Map<string, { last?: number }>();
  const isDead = (p: { last?: number }, now: number): boolean => p.last !== undefined && now - p.last >= policy.deadAfterMs;
  return {
    setPeers(names) {
      const wanted = new Set(names);
      for (const name of peers.keys()) if (!wanted.has(name)) peers.delete(name);
      for (const name of wanted) if (!peers.has(name)) peers.set(name, {});
    },
    answered(name, now) {
      const p = peers.get(name);
      if (p !== undefined) p.last = now;
    },
    dead: (now) => [...peers].filter(([, p]) => isDead(p, now)).map(([name]) => name).sort(),
    state(name, now) {
      const p = peers.get(name);
      if (p === undefined) return undefined;
      return p.last === undefined ? "unknown" : isDead(p, now) ? "dead" : "up";
    },
    isolated: (now) => peers.size > 0 && [...peers.values()].every((p) => isDead(p, now)),
    shift(ms) {
      for (const p of peers.values()) if (p.last !== undefined) p.last += ms;
    },
  };
}

/** The prober and responder of one node. */
export interface EgressLiveness {
  /** Probes exactly `peers` (node name → underlay address); a peer whose address changed starts over. Idempotent. */
  setPeers(peers: ReadonlyMap<string, string>): void;
  /** The nodes to leave out of the egress plan: dead peers, and this node itself when it is cut off; sorted. */
  unreachable(): string[];
  /** Tells every current peer that this node no longer serves `addresses` (IPv4); repeated with the probes until confirmed, {@link releaseTries} times at most. */
  release(addresses: readonly string[]): void;
  /** Every probed peer and its state now (see PeerTable.state), sorted by name (for metrics). */
  peers(): { readonly name: string; readonly state: "unknown" | "up" | "dead" }[];
  /** Binds the socket (answers at once) and starts probing. */
  start(): Promise<void>;
  /** Stops probing and closes the socket. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link createEgressLiveness}. */
export interface EgressLivenessOptions {
  readonly nodeName: string;
  /** UDP port of every node's socket. */
  readonly port: number;
  /** Address to bind; default every address. */
  readonly host?: string;
  readonly policy?: LivenessPolicy;
  readonly clock?: Clock;
  readonly logger: Logger;
  /** Called when `unreachable()` changed. Must not throw. */
  readonly onChange: () => void;
  /** Called when a peer says it no longer serves `address` (see `release`). Must not throw. */
  readonly onReleased?: (address: string, peer: string) => void;
}

/** Creates the node's {@link EgressLiveness}; nothing is sent or bound before `start()`. */
export function createEgressLiveness(options: EgressLivenessOptions): EgressLiveness {
  const clock = options.clock ?? systemClock;
  const policy = options.policy ?? defaultLivenessPolicy;
  const log = options.logger.child({ component: "egress-liveness" });
  const table = createPeerTable(policy);
  const nonce = randomBytes(4);
  let addresses = new Map<string, string>();
  /** Sequence → peer of probes not answered yet (pruned when the peer would be dead anyway). */
  const pending = new Map<number, { readonly name: string; readonly sent: number }>();
  let socket: Socket | undefined;
  let ticker: Timer | undefined;
  let lastTick: number | undefined;
  let seq = 0;
  let last = "";
  let sendWarned = false;
  /** Releases not confirmed yet, by peer and address (a newer release of the address replaces one). */
  const releases = new Map<string, { readonly peer: string; readonly msg: Buffer; tries: number }>();
  /** The release number last acted on, by peer and address. */
  const heard = new Map<string, number>();
  let releaseNumber = randomBytes(4).readUInt32BE(0);

  const unreachable = (): string[] => {
    const now = clock.now();
    return [...table.dead(now), ...(table.isolated(now) ? [options.nodeName] : [])].sort();
  };

  const evaluate = (): void => {
    const now = clock.now();
    for (const [n, p] of pending) if (now - p.sent > 10 * policy.deadAfterMs) pending.delete(n);
    const key = unreachable().join(",");
    if (key === last) return;
    log.info({ unreachable: key === "" ? [] : key.split(","), was: last === "" ? [] : last.split(",") }, "egress peers' liveness changed");
    last = key;
    options.onChange();
  };

  const tick = (): void => {
    const s = socket;
    if (s === undefined) return;
    const started = clock.now();
    if (lastTick !== undefined && started - lastTick > 2 * policy.intervalMs) table.shift(started - lastTick - policy.intervalMs);
    lastTick = started;
    for (const [key, r] of releases) {
      const to = addresses.get(r.peer);
      if (to === undefined || r.tries >= releaseTries) {
        releases.delete(key);
        if (to !== undefined) log.info({ peer: r.peer, address: addressOf(r.msg) }, "a peer did not confirm that this node released an egress address (an older agent, or the peer is gone); it re-announces only if its own probes saw a change");
        continue;
      }
      r.tries += 1;
      sendRelease(s, r.peer, to, r.msg);
    }
    for (const [name, address] of addresses) {
      seq = (seq + 1) >>> 0;
      const msg = Buffer.concat([requestMagic, Buffer.alloc(4), nonce]);
      msg.writeUInt32BE(seq, 8);
      pending.set(seq, { name, sent: clock.now() });
      s.send(msg, options.port, address, (err) => {
        if (err === null || sendWarned) return;
        sendWarned = true;
        log.warn({ err, peer: name, address }, "cannot send an egress probe; the peer counts as silent");
      });
    }
    setImmediate(evaluate);
    ticker = clock.setTimeout(tick, policy.intervalMs);
  };

  const sendRelease = (s: Socket, peer: string, to: string, msg: Buffer): void => {
    s.send(msg, options.port, to, (err) => {
      if (err !== null) log.warn({ err, peer, address: addressOf(msg) }, "cannot tell a peer that this node released an egress address; trying again with the next probe");
    });
  };

  /** The current peer at `address`, if any. */
  const peerAt = (address: string): string | undefined => [...addresses].find(([, a]) => a === address)?.[0];

  const onMessage = (msg: Buffer, from: { address: string; port: number }): void => {
    if (msg.length !== probeBytes) return;
    const magic = msg.subarray(0, 8);
    if (magic.equals(requestMagic)) {
      socket?.send(Buffer.concat([answerMagic, msg.subarray(8)]), from.port, from.address);
      return;
    }
    if (magic.equals(releaseMagic)) {
      const peer = peerAt(from.address);
      if (peer === undefined) return;
      socket?.send(Buffer.concat([releaseAckMagic, msg.subarray(8)]), from.port, from.address);
      const address = addressOf(msg);
      const n = msg.readUInt32BE(12);
      if (n !== 0 && heard.get(`${peer}/${address}`) === n) return;
      heard.set(`${peer}/${address}`, n);
      options.onReleased?.(address, peer);
      return;
    }
    if (magic.equals(releaseAckMagic)) {
      const peer = peerAt(from.address);
      const key = `${peer ?? ""}/${addressOf(msg)}`;
      if (releases.get(key)?.msg.subarray(8).equals(msg.subarray(8)) === true) releases.delete(key);
      return;
    }
    if (!magic.equals(answerMagic) || !msg.subarray(12).equals(nonce)) return;
    const n = msg.readUInt32BE(8);
    const probe = pending.get(n);
    if (probe === undefined) return;
    pending.delete(n);
    sendWarned = false;
    table.answered(probe.name, clock.now());
  };

  return {
    setPeers(peers) {
      const next = new Map(peers);
      // A peer whose address changed is a new peer: its old answers say nothing about the new address.
      const changed = [...next].filter(([name, address]) => addresses.has(name) && addresses.get(name) !== address).map(([name]) => name);
      if (changed.length > 0) table.setPeers([...next.keys()].filter((n) => !changed.includes(n)));
      table.setPeers([...next.keys()]);
      addresses = next;
    },
    unreachable,
    release(released) {
      const s = socket;
      if (s === undefined) return;
      for (const address of released) {
        releaseNumber = releaseNumber >= 0xffff_ffff ? 1 : releaseNumber + 1;
        const msg = Buffer.concat([releaseMagic, Buffer.from(address.split(".").map(Number)), Buffer.alloc(4)]);
        msg.writeUInt32BE(releaseNumber, 12);
        for (const [peer, to] of addresses) {
          releases.set(`${peer}/${address}`, { peer, msg, tries: 1 });
          sendRelease(s, peer, to, msg);
        }
      }
    },
    peers() {
      const now = clock.now();
      return [...addresses.keys()].sort().map((name) => ({ name, state: table.state(name, now) ?? "unknown" }));
    },
    async start() {
      const s = createSocket("udp4");
      s.on("message", onMessage);
      s.on("error", (err) => { log.warn({ err }, "egress probe socket error; continuing (unanswered probes count as silence)"); });
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(options.port, options.host, () => { s.off("error", reject); resolve(); });
      });
      socket = s;
      tick();
    },
    async stop() {
      ticker?.cancel();
      const s = socket;
      socket = undefined;
      pending.clear();
      releases.clear();
      if (s !== undefined) await new Promise<void>((resolve) => { s.close(() => { resolve(); }); });
    },
  };
}
