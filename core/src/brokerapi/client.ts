import type * as grpc from "@grpc/grpc-js";
import type { ConnectionStatus, GatewayEndpoint, ServiceExport, WorkloadSet } from "../model/index.js";
import { createCsr } from "../pki/index.js";
import { channelOptions, createChannelCredentials, unary, type BrokerConnection } from "./channel.js";
import { connectionToWire, endpointToWire, exportToWire, workloadToWire } from "./convert.js";
import { AgentServiceClientConstructor } from "./definitions.js";
import { kindToWire } from "./kinds.js";
import { type ReconnectableWatch, startWatch, type WatchHandle, type WatchOptions } from "./watch-client.js";
import type { AgentServiceClient, WireJoinResponseOutput, WirePublishRequest, WirePublishResponseOutput } from "./wire.js";

/** What an agent publishes: the whole set of one kind that its cluster owns (level-based). */
export type PublishInput =
  | {
      readonly kind: "cluster";
      readonly spec: {
        readonly podCidrs: readonly string[];
        readonly serviceCidrs: readonly string[];
        readonly labels?: Readonly<Record<string, string>>;
        /** Asks for global addressing (docs/adr/0206); a cluster holding a block keeps it anyway. */
        readonly global?: boolean;
        /** A specific block of the global range to hold (implies `global`). */
        readonly globalCidr?: string;
        /** The prefix length of the block to allocate (implies `global`; default: the broker's). */
        readonly globalPrefix?: number;
        /** The cluster's GlobalEgressIP resources; the broker gives each an address of the block. */
        readonly globalEgress?: readonly { readonly namespace: string; readonly name: string }[];
      };
    }
  | { readonly kind: "endpoint"; readonly records: readonly GatewayEndpoint[] }
  | { readonly kind: "export"; readonly records: readonly ServiceExport[] }
  | { readonly kind: "connection"; readonly records: readonly ConnectionStatus[] }
  | { readonly kind: "workload"; readonly records: readonly WorkloadSet[] };

/** The broker's answer to a publish. */
export interface PublishResult {
  /** The revision that holds this publish (the current one when nothing changed). */
  readonly revision: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  /** The cluster's block of the global range, when it uses global addressing (kind "cluster"). */
  readonly globalCidr?: string;
  /** Kind "export": the exports short of global IPs because the cluster's block is full (the others are stored). */
  readonly unaddressed?: readonly UnaddressedExport[];
}

/** An export the broker could not give every global IP it needs (docs/adr/0206). */
export interface UnaddressedExport {
  readonly namespace: string;
  readonly name: string;
  /** How many global IPs it did not get: 1 for a ClusterSetIP export (left out), its pods left out for a Headless one. */
  readonly missing: number;
  /** What happened and what to do, naming the block and how many addresses it holds. */
  readonly message: string;
}

/** A broker client for agents: publish and watch over one mTLS channel. */
export interface BrokerClient {
  /**
   * Replaces the caller's records of one kind. Idempotent (level-based), so it is safe to
   * retry; waits for the channel up to `timeoutMs`. Throws BrokerApiError ("Rejected" with
   * the gRPC code for refusals, "Unavailable" when the broker cannot be reached).
   */
  publish(input: PublishInput, options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal }): Promise<PublishResult>;
  /** Starts a watch that reconnects with backoff and resumes from its last revision. */
  watch(options: WatchOptions): WatchHandle;
  /**
   * Moves to a renewed certificate (same cluster, same broker): later calls use a new channel
   * with it, running watches reconnect on that channel at once and resume where they were,
   * and the old channel is closed. The data plane is not involved.
   */
  useCredentials(connection: BrokerConnection): void;
  /** Stops every watch and closes the channel. Idempotent. */
  close(): void;
}

/** Options of `createBrokerClient`. */
export interface BrokerClientOptions extends BrokerConnection {
  /** Default deadline of unary calls, ms (default 10 s). */
  readonly timeoutMs?: number;
}

/** Creates a broker client for an agent holding a cluster certificate. */
export function createBrokerClient(options: BrokerClientOptions): BrokerClient {
  const connect = (connection: BrokerConnection): AgentServiceClient =>
    new AgentServiceClientConstructor(connection.address, createChannelCredentials(connection), channelOptions(connection));
  let client = connect(options);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const watches = new Set<ReconnectableWatch>();
  return {
    async publish(input, callOptions) {
      const request = publishRequest(input);
      const res = await unary<WirePublishResponseOutput>((meta, opts, cb) => client.publish(request, meta, opts, cb), {
        what: `Publish ${input.kind}`,
        timeoutMs: callOptions?.timeoutMs ?? timeoutMs,
        ...(callOptions?.signal === undefined ? {} : { signal: callOptions.signal }),
      });
      return {
        revision: res.revision,
        created: res.created,
        updated: res.updated,
        deleted: res.deleted,
        ...(res.globalCidr === undefined ? {} : { globalCidr: res.globalCidr }),
        ...(input.kind === "export" ? { unaddressed: res.unaddressed.map((u) => ({ namespace: u.namespace, name: u.name, missing: u.missing, message: u.message })) } : {}),
      };
    },
    watch(watchOptions) {
      const handle = startWatch(() => client, watchOptions);
      watches.add(handle);
      void handle.done.finally(() => watches.delete(handle)).catch(() => undefined);
      return handle;
    },
    useCredentials(connection) {
      const old = client;
      client = connect(connection);
      for (const w of watches) w.reconnect();
      old.close();
    },
    close() {
      for (const w of watches) void w.stop();
      client.close();
    },
  };
}

function publishRequest(input: PublishInput): WirePublishRequest {
  const kind = kindToWire(input.kind);
  switch (input.kind) {
    case "cluster":
      return {
        kind,
        cluster: {
          podCidrs: [...input.spec.podCidrs],
          serviceCidrs: [...input.spec.serviceCidrs],
          labels: { ...input.spec.labels },
          global: input.spec.global === true,
          ...(input.spec.globalCidr === undefined ? {} : { globalCidr: input.spec.globalCidr }),
          ...(input.spec.globalPrefix === undefined ? {} : { globalPrefix: input.spec.globalPrefix }),
          globalEgress: (input.spec.globalEgress ?? []).map((g) => ({ namespace: g.namespace, name: g.name })),
        },
      };
    case "endpoint":
      return { kind, endpoints: input.records.map(endpointToWire) };
    case "export":
      return { kind, exports: input.records.map(exportToWire) };
    case "connection":
      return { kind, connections: input.records.map(connectionToWire) };
    case "workload":
      return { kind, workloads: input.records.map(workloadToWire) };
  }
}

/** The credentials a cluster gets from Join. */
export interface JoinResult {
  readonly clusterId: string;
  /** The cluster's client certificate (PEM). */
  readonly certPem: string;
  /** The private key, generated here; it never left this process. Secret. */
  readonly keyPem: string;
  /** The broker CA (PEM). */
  readonly caPem: string;
  /** When the certificate expires (RFC 3339). */
  readonly notAfter: string;
}

/**
 * Exchanges a join token for a cluster certificate: creates a key and CSR locally, sends the
 * CSR. With `renew` (the cluster's current, still valid certificate and key) the broker issues
 * a new certificate on the strength of that one and ignores the token.
 */
export async function joinBroker(options: {
  readonly address: string;
  readonly caPem: string;
  readonly serverName?: string;
  readonly token: string;
  readonly clusterId: string;
  readonly renew?: { readonly certPem: string; readonly keyPem: string };
  readonly timeoutMs?: number;
}): Promise<JoinResult> {
  const conn: BrokerConnection = {
    address: options.address,
    caPem: options.caPem,
    ...(options.serverName === undefined ? {} : { serverName: options.serverName }),
    ...(options.renew === undefined ? {} : { certPem: options.renew.certPem, keyPem: options.renew.keyPem }),
  };
  const client: AgentServiceClient = new AgentServiceClientConstructor(conn.address, createChannelCredentials(conn), channelOptions(conn));
  try {
    const { csrPem, keyPem } = await createCsr({ commonName: options.clusterId });
    const request = { token: options.token, clusterId: options.clusterId, csrPem };
    const res = await unary<WireJoinResponseOutput>((meta, opts, cb) => client.join(request, meta, opts, cb), {
      what: `Join as "${options.clusterId}"`,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    return { clusterId: res.clusterId, certPem: res.certificatePem, keyPem, caPem: res.caPem, notAfter: res.notAfter };
  } finally {
    client.close();
  }
}

/** The grpc-js client type behind a BrokerClient (for tests and tools that need raw calls). */
export type RawAgentClient = AgentServiceClient & grpc.Client;
