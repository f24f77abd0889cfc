// Publishes the active gateway's records to the broker apart from the data path: the latest
// desired state wins, a failed publish is retried with a capped backoff, and an unchanged state
// is not sent again (the broker is level-based, so a retry after a restart is harmless).
import { type BrokerClient, type PublishInput } from "@isthmus/core/brokerapi";
import { type GatewayEndpoint } from "@isthmus/core/model";
import { backoffDelay, type Logger } from "@isthmus/core/runtime";
import { brokerConnection, type PeerView } from "./connections.js";

/** What the active gateway publishes. */
export interface PublishState {
  readonly clusterId: string;
  readonly hostname: string;
  /** The cluster spec, with the global addressing it asks for (docs/adr/0206). */
  readonly cluster: Extract<PublishInput, { kind: "cluster" }>["spec"];
  readonly endpoints: readonly GatewayEndpoint[];
  readonly connections: readonly PeerView[];
}

/** A background publisher. */
export interface Publisher {
  /** Sets the desired state; publishes what differs from the last successful publish. */
  set(state: PublishState): void;
  /**
   * Forgets what was sent, so the next `set` publishes everything again: on every resync
   * (level-based healing).
   */
  reset(): void;
  /**
   * Drops the desired state and any pending retry (this gateway stopped being the active one: it
   * must never publish its stale view later) and forgets what was sent.
   */
  clear(): void;
  /** Stops retrying; waits for a publish in flight. */
  stop(): Promise<void>;
}

/** Creates a {@link Publisher}. */
export function createPublisher(options: { broker: BrokerClient; logger: Logger }): Publisher {
  const log = options.logger.child({ component: "publisher" });
  const sent = new Map<string, string>();
  let desired: PublishState | undefined;
  let inFlight: Promise<void> | undefined;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const publishKind = async (kind: string, fingerprint: string, call: () => Promise<unknown>): Promise<void> => {
    if (sent.get(kind) === fingerprint) return;
    await call();
    sent.set(kind, fingerprint);
  };

  const run = async (): Promise<void> => {
    const state = desired;
    if (state === undefined) return;
    const { broker } = options;
    await publishKind("cluster", JSON.stringify(state.cluster), () => broker.publish({ kind: "cluster", spec: state.cluster }));
    await publishKind("endpoint", JSON.stringify(state.endpoints), () => broker.publish({ kind: "endpoint", records: state.endpoints }));
    const connections = state.connections.map((v) => brokerConnection(v, { clusterId: state.clusterId, hostname: state.hostname, wallNow: Date.now, monoNow: () => performance.now() }));
    const print = JSON.stringify(connections.map((c) => [c.toCluster, c.toGateway, c.status, c.reason]));
    await publishKind("connection", print, () => broker.publish({ kind: "connection", records: connections }));
  };

  let generation = 0;
  let done = 0;
  const kick = (): void => {
    if (inFlight !== undefined || stopped) return;
    const gen = generation;
    inFlight = run().then(
      () => {
        failures = 0;
        done = gen;
      },
      (err: unknown) => {
        failures += 1;
        const delay = backoffDelay(failures, { baseMs: 500, maxMs: 10_000, jitter: 0.2 });
        log.warn({ err, retryInMs: Math.round(delay) }, "publishing to the broker failed; the data plane is unaffected, retrying");
        timer = setTimeout(kick, delay);
      },
    ).finally(() => {
      inFlight = undefined;
      if (failures === 0 && done < generation) kick();
    });
  };

  return {
    set(state) {
      desired = state;
      generation += 1;
      // A new state is worth trying at once, even while an older one waits for its retry.
      clearTimeout(timer);
      failures = 0;
      kick();
    },
    reset() {
      sent.clear();
    },
    clear() {
      desired = undefined;
      clearTimeout(timer);
      failures = 0;
      sent.clear();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
