import * as grpc from "@grpc/grpc-js";
import { errorMessage, isIsthmusError } from "@isthmus/core/errors";
import type { Logger } from "./logger.js";

// Request decoding is guarded: the generated deserializers are wrapped so that an oversized or
// undecodable request becomes a marked object that the handler answers with INVALID_ARGUMENT
// (grpc-js would otherwise answer RESOURCE_EXHAUSTED or INTERNAL), before anything is touched.

const invalid = Symbol("invalid request");

/** A request that failed the size limit or protobuf decoding. */
interface InvalidRequest {
  readonly [invalid]: string;
}

/** The reason a request could not be decoded, or undefined when it is fine. */
export function invalidRequestReason(request: unknown): string | undefined {
  return typeof request === "object" && request !== null && invalid in request ? (request as InvalidRequest)[invalid] : undefined;
}

/** A copy of a service definition whose request deserializers enforce `maxBytes` and never throw. */
export function guardServiceDefinition<D extends grpc.ServiceDefinition>(definition: D, maxBytes: number): D {
  const guarded: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition) as [string, grpc.MethodDefinition<unknown, unknown>][]) {
    guarded[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        if (bytes.length > maxBytes) {
          return { [invalid]: `request is ${bytes.length} bytes, more than the limit of ${maxBytes}` };
        }
        try {
          return method.requestDeserialize(bytes);
        } catch (err) {
          return { [invalid]: `request is not a valid ${name} message: ${errorMessage(err)}` };
        }
      },
    };
  }
  return guarded as D;
}

const statusOf: Record<string, grpc.status> = {
  InvalidArgument: grpc.status.INVALID_ARGUMENT,
  InvalidMessage: grpc.status.INVALID_ARGUMENT,
  InvalidCsr: grpc.status.INVALID_ARGUMENT,
  CsrSignatureInvalid: grpc.status.INVALID_ARGUMENT,
  InvalidPem: grpc.status.INVALID_ARGUMENT,
  InvalidClusterId: grpc.status.INVALID_ARGUMENT,
  InvalidCluster: grpc.status.INVALID_ARGUMENT,
  InvalidAddress: grpc.status.INVALID_ARGUMENT,
  InvalidCidr: grpc.status.INVALID_ARGUMENT,
  HostBitsSet: grpc.status.INVALID_ARGUMENT,
  PrefixOutOfRange: grpc.status.INVALID_ARGUMENT,
  Unauthenticated: grpc.status.UNAUTHENTICATED,
  PermissionDenied: grpc.status.PERMISSION_DENIED,
  FailedPrecondition: grpc.status.FAILED_PRECONDITION,
  NotFound: grpc.status.NOT_FOUND,
  AlreadyExists: grpc.status.ALREADY_EXISTS,
  Exhausted: grpc.status.RESOURCE_EXHAUSTED,
  StoreFailed: grpc.status.UNAVAILABLE,
};

/** The gRPC status for an error thrown by a handler: typed errors map by code, others are INTERNAL. */
export function toStatus(err: unknown, logger: Logger, method: string): Partial<grpc.StatusObject> {
  const code = isIsthmusError(err) ? statusOf[err.code] : undefined;
  if (code === undefined) {
    logger.error({ err, method }, "handler failed unexpectedly");
    return { code: grpc.status.INTERNAL, details: `${method} failed: ${errorMessage(err)}` };
  }
  return { code, details: errorMessage(err) };
}

/** Wraps an async unary handler: decode guard, error → status, observation (metrics). */
export function unaryHandler<Req, Res>(options: {
  readonly method: string;
  readonly logger: Logger;
  readonly observe: (method: string, code: grpc.status, seconds: number) => void;
  readonly handle: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>;
}): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const started = performance.now();
    const done = (code: grpc.status): void => {
      options.observe(options.method, code, (performance.now() - started) / 1000);
    };
    const reason = invalidRequestReason(call.request);
    if (reason !== undefined) {
      done(grpc.status.INVALID_ARGUMENT);
      callback({ code: grpc.status.INVALID_ARGUMENT, details: reason });
      return;
    }
    options.handle(call.request, call).then(
      (res) => {
        done(grpc.status.OK);
        callback(null, res);
      },
      (err: unknown) => {
        const status = toStatus(err, options.logger, options.method);
        done(status.code ?? grpc.status.INTERNAL);
        callback(status);
      },
    );
  };
}
