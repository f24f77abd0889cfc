import * as grpc from "@grpc/grpc-js";
import { backoffDelay, systemClock, type Backoff, type Clock, type Timer } from "../runtime/index.js";
import { toBrokerApiError } from "./channel.js";
import { recordFromWire } from "./convert.js";
import { BrokerApiError } from "./errors.js";
import { kindToWire, parseWireKind, type BrokerRecord, type RecordKind } from "./kinds.js";
import type { AgentServiceClient, WireChangeOutput, WireWatchEventOutput } from "./wire.js";

// Design notes: one logical watch survives many streams. Each stream starts from the last
// revision the consumer has fully applied (0 before the first snapshot), so after a drop the
// broker replays exactly the changes after it: nothing lost, nothing twice. Snapshot chunks are
// buffered until the last one and handed over whole. Handlers run one at a time and the stream
// is paused meanwhile (backpressure reaches the broker, which resets a watcher that falls too
// far behind). Silence longer than `heartbeatTimeoutMs` counts as a dead stream. Refusals
// (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT) end the watch: retrying cannot help.

/** The whole state of the watched kinds at `revision`; replaces what the consumer had. */
export interface WatchSnapshot {
  readonly revision: number;
  readonly records: readonly BrokerRecord[];
  /** The revision the watch resumed from had been compacted. */
  readonly compacted: boolean;
  /** The broker reset this watcher because it fell behind. */
  readonly reset: boolean;
}

/** One change of one record. For "delete", `record` is the last value. */
export interface RecordChange {
  readonly type: "put" | "delete";
  readonly kind: RecordKind;
  readonly key: string;
  readonly record: BrokerRecord;
}

/** All watched changes of one revision, in order. */
export interface WatchChangeBatch {
  readonly revision: number;
  readonly changes: readonly RecordChange[];
}

/** Options of a watch. */
export interface WatchOptions {
  /** Kinds to receive; all when absent or empty. */
  readonly kinds?: readonly RecordKind[];
  /** Resume after this revision instead of starting with a snapshot. */
  readonly sinceRevision?: number;
  /** Called with each complete snapshot; awaited before anything else is delivered. */
  onSnapshot(snapshot: WatchSnapshot): void | Promise<void>;
  /** Called with each batch of changes, in revision order; awaited. */
  onChanges(batch: WatchChangeBatch): void | Promise<void>;
  /** Told when a stream opens or drops (for readiness and logs); must not throw. */
  onConnectionChange?(connected: boolean, err?: Error): void;
  /** Reconnect backoff (default 200 ms .. 5 s, jitter 0.2). */
  readonly backoff?: Backoff;
  /** A stream silent for longer than this is abandoned (default 15 s: three missed heartbeats). */
  readonly heartbeatTimeoutMs?: number;
  /** Clock for heartbeat timing and backoff (tests). */
  readonly clock?: Clock;
}

/** A running watch. */
export interface WatchHandle {
  /** The last revision fully applied by the consumer. */
  readonly revision: number;
  /** True while a stream is open and has delivered its first event. */
  readonly connected: boolean;
  /** Stops the watch; resolves when no handler runs any more. Idempotent. */
  stop(): Promise<void>;
  /** Settles when the watch ends: resolves after stop(), rejects on a refusal or handler error. */
  readonly done: Promise<void>;
}

const defaultBackoff: Backoff = { baseMs: 200, maxMs: 5_000, jitter: 0.2 };
const terminalCodes = new Set<number>([
  grpc.status.UNAUTHENTICATED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.UNIMPLEMENTED,
]);

/** A watch as its BrokerClient holds it: it can move to a new channel at once. */
export interface ReconnectableWatch extends WatchHandle {
  /**
   * Ends the current stream and opens the next one now, on the client `client()` returns
   * then, resuming from the last applied revision (nothing lost, nothing twice). Used when
   * the cluster's certificate was renewed. No-op once stopped.
   */
  reconnect(): void;
}

/**
 * Starts a resuming watch (used by BrokerClient.watch). `client` is asked for the channel at
 * each (re)connection, so a client whose credentials were renewed is picked up.
 */
export function startWatch(client: () => AgentServiceClient, options: WatchOptions): ReconnectableWatch {
  const clock = options.clock ?? systemClock;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 15_000;
  let revision = options.sinceRevision ?? 0;
  let connected = false;
  let stopped = false;
  let attempt = 0;
  let call: grpc.ClientReadableStream<WireWatchEventOutput> | undefined;
  /** Abandons the current stream without scheduling a retry. */
  let abandon: (() => void) | undefined;
  let retryTimer: Timer | undefined;
  let silenceTimer: Timer | undefined;
  let chain: Promise<void> = Promise.resolve();
  let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  const finish = (err?: unknown): void => {
    if (stopped) return;
    stopped = true;
    retryTimer?.cancel();
    silenceTimer?.cancel();
    call?.cancel();
    void chain.then(() => {
      if (err === undefined) settle?.resolve();
      else settle?.reject(err);
    });
  };

  const setConnected = (value: boolean, err?: Error): void => {
    if (connected === value && err === undefined) return;
    connected = value;
    options.onConnectionChange?.(value, err);
  };

  const open = (): void => {
    if (stopped) return;
    let snapshot: BrokerRecord[] | undefined;
    const kinds = (options.kinds ?? []).map(kindToWire);
    const stream = client().watch({ kinds, sinceRevision: revision }, new grpc.Metadata({ waitForReady: true }));
    call = stream;
    let ended = false;
    abandon = () => {
      ended = true;
      silenceTimer?.cancel();
      stream.cancel();
    };
    const armSilence = (): void => {
      silenceTimer?.cancel();
      silenceTimer = clock.setTimeout(() => {
        stream.cancel();
        onEnd(new BrokerApiError("Unavailable", `Watch stream silent for ${heartbeatTimeoutMs} ms`));
      }, heartbeatTimeoutMs);
    };
    const onEnd = (err: Error): void => {
      if (ended) return;
      ended = true;
      silenceTimer?.cancel();
      setConnected(false, err);
      if (stopped) return;
      const code = (err as { code?: unknown }).code;
      if (typeof code === "number" && terminalCodes.has(code)) {
        finish(toBrokerApiError(err, "Watch"));
        return;
      }
      attempt += 1;
      retryTimer = clock.setTimeout(open, backoffDelay(attempt, options.backoff ?? defaultBackoff));
    };
    armSilence();
    stream.on("data", (event: WireWatchEventOutput) => {
      armSilence();
      attempt = 0;
      setConnected(true);
      stream.pause();
      chain = chain
        .then(async () => {
          if (stopped || ended) return;
          snapshot = await handleEvent(event, snapshot);
        })
        .then(
          () => {
            if (!ended) stream.resume();
          },
          (err: unknown) => {
            finish(err);
          },
        );
    });
    stream.on("error", (err: Error) => {
      onEnd(err);
    });
    stream.on("end", () => {
      onEnd(new BrokerApiError("Unavailable", "Watch stream ended by the broker"));
    });
  };

  /** Applies one event; returns the snapshot buffer to carry on with. */
  const handleEvent = async (event: WireWatchEventOutput, buffer: BrokerRecord[] | undefined): Promise<BrokerRecord[] | undefined> => {
    if (event.snapshot) {
      const records = [...(buffer ?? []), ...event.snapshot.records.map(recordFromWire)];
      if (!event.snapshot.last) return records;
      await options.onSnapshot({
        revision: event.snapshot.revision,
        records,
        compacted: event.snapshot.compacted,
        reset: event.snapshot.reset,
      });
      revision = event.snapshot.revision;
      return undefined;
    }
    if (event.changes) {
      if (event.changes.revision <= revision) return buffer;
      await options.onChanges({ revision: event.changes.revision, changes: event.changes.changes.map(changeFromWire) });
      revision = event.changes.revision;
      return buffer;
    }
    if (event.heartbeat && buffer === undefined && event.heartbeat.revision > revision) {
      revision = event.heartbeat.revision;
    }
    return buffer;
  };

  open();
  return {
    get revision() {
      return revision;
    },
    get connected() {
      return connected;
    },
    async stop() {
      finish();
      await done.catch(() => undefined);
    },
    reconnect() {
      if (stopped) return;
      retryTimer?.cancel();
      abandon?.();
      open();
    },
    done,
  };
}

function changeFromWire(w: WireChangeOutput): RecordChange {
  if (w.record === null) throw new BrokerApiError("InvalidMessage", `Change of "${w.key}" holds no record`);
  const type = w.type === "CHANGE_TYPE_DELETE" ? "delete" : "put";
  return { type, kind: parseWireKind(w.kind), key: w.key, record: recordFromWire(w.record) };
}
