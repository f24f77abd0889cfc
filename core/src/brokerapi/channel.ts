import * as grpc from "@grpc/grpc-js";
import { BrokerApiError } from "./errors.js";

/** How to reach and trust the broker; the client certificate is absent only for Join. */
export interface BrokerConnection {
  /** `host:port` of the broker's gRPC endpoint. */
  readonly address: string;
  /** The broker CA (PEM) that signed the broker's serving certificate. */
  readonly caPem: string;
  /** This client's certificate (PEM), issued by the broker CA. */
  readonly certPem?: string;
  /** This client's private key (PKCS#8 PEM). Secret. */
  readonly keyPem?: string;
  /** The name expected in the broker's certificate when it differs from the address host. */
  readonly serverName?: string;
}

/** Largest message either side accepts, in bytes (the broker enforces its own, smaller limit). */
export const maxWireMessageBytes = 64 * 1024 * 1024;

/** Builds TLS channel credentials (mutual TLS when a certificate and key are given). */
export function createChannelCredentials(conn: BrokerConnection): grpc.ChannelCredentials {
  if ((conn.certPem === undefined) !== (conn.keyPem === undefined)) {
    throw new BrokerApiError("InvalidMessage", "A client certificate needs its key and a key needs its certificate");
  }
  return grpc.credentials.createSsl(
    Buffer.from(conn.caPem),
    conn.keyPem === undefined ? null : Buffer.from(conn.keyPem),
    conn.certPem === undefined ? null : Buffer.from(conn.certPem),
  );
}

/** Channel options: keepalives so a dead broker is noticed in seconds, large messages, name override. */
export function channelOptions(conn: BrokerConnection): grpc.ChannelOptions {
  return {
    "grpc.keepalive_time_ms": 10_000,
    "grpc.keepalive_timeout_ms": 5_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.max_receive_message_length": maxWireMessageBytes,
    "grpc.max_send_message_length": maxWireMessageBytes,
    "grpc.initial_reconnect_backoff_ms": 200,
    "grpc.max_reconnect_backoff_ms": 5_000,
    ...(conn.serverName === undefined ? {} : { "grpc.ssl_target_name_override": conn.serverName }),
  };
}

/** True when `err` is a gRPC status error. */
export function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === "number" && "metadata" in err;
}

/** Converts a failed call into a BrokerApiError ("Unavailable" for transport failures, else "Rejected"). */
export function toBrokerApiError(err: unknown, what: string): BrokerApiError {
  if (err instanceof BrokerApiError) return err;
  if (isServiceError(err)) {
    const transient = err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED;
    const name = (grpc.status[err.code] as string | undefined) ?? String(err.code);
    return new BrokerApiError(transient ? "Unavailable" : "Rejected", `${what} failed: ${name}: ${err.details}`, {
      cause: err,
      grpcCode: err.code,
    });
  }
  return new BrokerApiError("Unavailable", `${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Runs a unary call with a deadline and waits for the channel to be ready (grpc-js reconnects with backoff). */
export function unary<Res>(
  invoke: (meta: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall,
  options: { readonly what: string; readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const call = invoke(new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + options.timeoutMs }, (err, res) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (err) reject(toBrokerApiError(err, options.what));
      else if (res === undefined) reject(new BrokerApiError("Unavailable", `${options.what} returned no response`));
      else resolve(res);
    });
    const onAbort = (): void => {
      call.cancel();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
