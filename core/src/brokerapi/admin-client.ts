import type * as grpc from "@grpc/grpc-js";
import { channelOptions, createChannelCredentials, unary, type BrokerConnection } from "./channel.js";
import { AdminServiceClientConstructor } from "./definitions.js";
import type { AdminServiceClient } from "./wire.js";

/** The admin calls, by their lowerCamel names. */
export const adminMethods = [
  "createToken",
  "listTokens",
  "revokeToken",
  "listClusters",
  "getCluster",
  "evictCluster",
  "listExports",
  "getConnectionMatrix",
  "getBrokerInfo",
] as const;
/** One admin call name. */
export type AdminMethod = (typeof adminMethods)[number];

type LastOverload<M extends AdminMethod> = Parameters<AdminServiceClient[M]>;
/** The request message of an admin call. */
export type AdminRequest<M extends AdminMethod> = LastOverload<M>[0];
/** The response message of an admin call. */
export type AdminResponse<M extends AdminMethod> = LastOverload<M>[1] extends grpc.requestCallback<infer R> ? R : never;

/**
 * The admin API as promises. Each call waits for the channel up to the deadline and throws
 * BrokerApiError ("Rejected" with the gRPC code, or "Unavailable").
 */
export type AdminClient = {
  readonly [M in AdminMethod]: (request: AdminRequest<M>, options?: { readonly timeoutMs?: number }) => Promise<AdminResponse<M>>;
} & {
  /** Closes the channel. Idempotent. */
  close(): void;
};

type AnyUnary = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: grpc.requestCallback<unknown>,
) => grpc.ClientUnaryCall;

/** Creates an admin client; `conn` must hold the admin client certificate and key. */
export function createAdminClient(conn: BrokerConnection & { readonly timeoutMs?: number }): AdminClient {
  const client = new AdminServiceClientConstructor(conn.address, createChannelCredentials(conn), channelOptions(conn));
  const calls = Object.fromEntries(
    adminMethods.map((m) => {
      const method = (client[m] as AnyUnary).bind(client);
      const call = (request: unknown, options?: { readonly timeoutMs?: number }) =>
        unary((meta, opts, cb) => method(request, meta, opts, cb), {
          what: `Admin ${m}`,
          timeoutMs: options?.timeoutMs ?? conn.timeoutMs ?? 10_000,
        });
      return [m, call];
    }),
  );
  return {
    ...(calls as Omit<AdminClient, "close">),
    close() {
      client.close();
    },
  };
}
