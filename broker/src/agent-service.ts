import type * as grpc from "@grpc/grpc-js";
import { connectionInputFromWire, endpointInputFromWire, exportInputFromWire, parseWireKind, workloadInputFromWire, recordKey, recordOwner, type AgentServiceHandlers, type BrokerRecord, type RecordKind, type WirePublishRequestOutput, type WireWatchRequestOutput } from "@isthmus/core/brokerapi";
import { parseCluster, parseClusterId } from "@isthmus/core/model";
import { errorMessage, isIsthmusError } from "@isthmus/core/errors";
import { parseCidr } from "@isthmus/core/net";
import type { CatalogInput } from "./catalog.js";
import type { BrokerContext } from "./context.js";
import { BrokerError } from "./errors.js";
import { invalidRequestReason, toStatus, unaryHandler } from "./grpc-util.js";
import { adminSubject, identify, type Identity } from "./identity.js";
import { peerHost } from "./join-limiter.js";
import { parseJoinToken, redeemToken } from "./tokens.js";

/** The agent service: Join, Publish, Watch. */
export function createAgentService(ctx: BrokerContext): AgentServiceHandlers {
  const observe = ctx.metrics.observeCall.bind(ctx.metrics);
  const logger = ctx.logger.child({ component: "agent-service" });
  return {
    Join: unaryHandler({
      method: "Join",
      logger,
      observe,
      handle: (req, call) =>
        withJoinLimit({ ctx, logger, source: peerHost(call.getPeer()), clusterId: req.clusterId, token: req.token }, async () => {
          const clusterId = asArgument(() => parseClusterId(req.clusterId));
          if (clusterId === adminSubject) throw new BrokerError("InvalidArgument", `Join refused: cluster id "${adminSubject}" is reserved for the admin credential`);
          // A caller presenting a certificate renews its own; everyone else needs a token.
          const renewal = call.getAuthContext().sslPeerCertificate === undefined ? undefined : identify(call, ctx.revoked);
          if (renewal !== undefined && (renewal.kind !== "cluster" || renewal.clusterId !== clusterId)) {
            const who = renewal.kind === "cluster" ? `cluster "${renewal.clusterId}"` : "the admin credential";
            throw new BrokerError("PermissionDenied", `Join refused: ${who} cannot join or renew as "${clusterId}"`);
          }
          if (renewal === undefined) parseJoinToken(req.token); // refuse junk before spending CPU on the CSR
          // Verify the CSR before spending a token use on it; the certificate is only recorded
          // and returned once the Join is admitted.
          const { certPem, info } = await ctx.pki.signClusterCsr(clusterId, req.csrPem).catch((err: unknown) => {
            throw new BrokerError("InvalidArgument", `Join refused: ${(err as Error).message}`, { cause: err });
          });
          const now = new Date();
          const certificate = { serial: info.serial, subject: clusterId, issuedAt: now.toISOString(), notAfter: info.notAfter.toISOString() };
          let revoked: readonly string[] = [];
          if (renewal === undefined) {
            revoked = await redeemToken(ctx.store, { token: req.token, clusterId, now, certificate });
          } else {
            const renewed = await ctx.store.renewCertificate({ presentedSerial: renewal.serial, clusterId, now, certificate });
            if (!renewed.ok) throw new BrokerError(renewed.code, `Renewal refused: ${renewed.reason}`);
          }
          if (revoked.length > 0) {
            for (const serial of revoked) ctx.revoked.add(serial);
            for (const end of ctx.streams.get(clusterId) ?? []) end(`The certificates of "${clusterId}" obtained with another token were revoked by a rejoin`);
          }
          logger.info({ clusterId, serial: info.serial, renewal: renewal !== undefined, revoked: revoked.length }, renewal === undefined ? "cluster joined" : "cluster renewed its certificate");
          return { clusterId, certificatePem: certPem, caPem: ctx.pki.ca.certPem, notAfter: info.notAfter.toISOString() };
        }),
    }),
    Publish: unaryHandler({
      method: "Publish",
      logger,
      observe,
      handle: async (req, call) => {
        const who = identify(call, ctx.revoked);
        if (who.kind !== "cluster") throw new BrokerError("PermissionDenied", "Only cluster certificates publish records");
        const input = parsePublish(req, who.clusterId, { maxRecords: ctx.maxRecordsPerPublish, maxExports: ctx.maxExportsPerCluster });
        const started = performance.now();
        const out = await ctx.catalog.publish(who.clusterId, input);
        ctx.metrics.observeStore("publish", (performance.now() - started) / 1000);
        ctx.metrics.countPublish(input.kind);
        return out;
      },
    }),
    Watch: (call) => {
      watch(ctx, call);
    },
  };
}

function watch(ctx: BrokerContext, call: grpc.ServerWritableStream<WireWatchRequestOutput, unknown>): void {
  const fail = (err: unknown): void => {
    const status = toStatus(err, ctx.logger, "Watch");
    call.emit("error", { code: status.code, details: status.details });
  };
  const reason = invalidRequestReason(call.request);
  if (reason !== undefined) {
    fail(new BrokerError("InvalidArgument", reason));
    return;
  }
  let kinds: RecordKind[];
  let subject: string;
  let who: Identity;
  try {
    who = identify(call, ctx.revoked);
    subject = who.kind === "cluster" ? who.clusterId : `admin:${who.name}`;
    kinds = call.request.kinds.map((k) => asArgument(() => parseWireKind(k)));
    if (!Number.isSafeInteger(call.request.sinceRevision) || call.request.sinceRevision < 0) {
      throw new BrokerError("InvalidArgument", `sinceRevision must be a non-negative integer, got ${call.request.sinceRevision}`);
    }
  } catch (err) {
    fail(err);
    return;
  }
  let open = true;
  const watcher = ctx.hub.open({
    kinds,
    since: call.request.sinceRevision,
    peer: subject,
    sink: {
      write: (event) => call.write(event),
      onceDrain: (listener) => call.once("drain", listener),
      end: () => {
        if (open) call.end();
      },
      fail: (err) => {
        if (open) fail(new BrokerError("StoreFailed", err.message, { cause: err }));
      },
    },
  });
  // Idempotent: a revocation reaches a stream both from the call that revoked (on this replica)
  // and from the store's revocation feed.
  let terminated = false;
  const terminate = (why: string): void => {
    if (terminated) return;
    terminated = true;
    fail(new BrokerError("Unauthenticated", why));
  };
  const set = ctx.streams.get(subject) ?? new Set();
  set.add(terminate);
  ctx.streams.set(subject, set);
  // A stream lives no longer than the certificate it was opened with: an agent that renewed
  // has reconnected with the new one by then; one that could not must not keep reading.
  const expiry = atTime(who.notAfter, () => {
    terminate(`Client certificate ${who.serial} of "${subject}" expired at ${who.notAfter.toISOString()}`);
  });
  const cleanup = (): void => {
    open = false;
    expiry.cancel();
    watcher.close();
    set.delete(terminate);
  };
  call.on("cancelled", cleanup);
  call.on("close", cleanup);
  call.on("error", cleanup);
  call.on("finish", cleanup);
}

/** Runs `fn` at `when` (setTimeout's 24.8-day limit is handled by re-arming). */
function atTime(when: Date, fn: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const delay = when.getTime() - Date.now();
    if (delay <= 0) {
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(delay, 2 ** 31 - 1));
    timer.unref();
  };
  arm();
  return {
    cancel: () => {
      clearTimeout(timer);
    },
  };
}

/** Turns any thrown error into an "InvalidArgument" BrokerError with the same message. */
function asArgument<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new BrokerError("InvalidArgument", (err as Error).message, { cause: err });
  }
}

/**
 * Checks a publish request for `owner`: one kind, records all owned by `owner`, no duplicate
 * keys. Record contents are validated by the catalog (only those that changed).
 */
function parsePublish(req: WirePublishRequestOutput, owner: string, limits: { readonly maxRecords: number; readonly maxExports: number }): CatalogInput {
  const { maxRecords, maxExports } = limits;
  const kind = asArgument(() => parseWireKind(req.kind));
  const counts: Record<RecordKind, number> = {
    cluster: req.cluster === null ? 0 : 1,
    endpoint: req.endpoints.length,
    export: req.exports.length,
    connection: req.connections.length,
    workload: req.workloads.length,
  };
  for (const [other, n] of Object.entries(counts)) {
    if (other !== kind && n > 0) {
      throw new BrokerError("InvalidArgument", `A publish of kind ${kind} must not carry ${other} records (got ${n})`);
    }
  }
  if (counts[kind] > maxRecords) {
    throw new BrokerError("InvalidArgument", `A publish may carry at most ${maxRecords} records, got ${counts[kind]}`);
  }
  // An export publish is the cluster's whole set (level-based), so its size is the cluster's count.
  if (kind === "export" && counts.export > maxExports) {
    throw new BrokerError("Exhausted", `A cluster may export at most ${maxExports} services, got ${counts.export}: unexport some, or raise the broker's maxExportsPerCluster`);
  }
  if (kind === "cluster") {
    if (req.cluster === null) throw new BrokerError("InvalidArgument", "A publish of kind cluster needs the cluster field");
    const now = new Date().toISOString();
    const spec = req.cluster;
    // The model checks syntax; canonical form (no host bits) is checked by parsing each CIDR.
    // GlobalEgressIPs are named only: their addresses are the broker's to give (what is sent is dropped).
    const globalEgress = spec.globalEgress.map((g) => ({ namespace: g.namespace, name: g.name }));
    asArgument(() => parseCluster({ id: owner, podCidrs: spec.podCidrs, serviceCidrs: spec.serviceCidrs, labels: spec.labels, joinedAt: now, lastSeen: now, ...(globalEgress.length === 0 ? {} : { globalEgress }) }));
    const requested = spec.globalCidr;
    for (const text of [...spec.podCidrs, ...spec.serviceCidrs, ...(requested === undefined ? [] : [requested])]) asArgument(() => parseCidr(text));
    return {
      kind,
      spec: {
        podCidrs: spec.podCidrs,
        serviceCidrs: spec.serviceCidrs,
        labels: spec.labels,
        global: spec.global,
        ...(requested === undefined ? {} : { globalCidr: requested }),
        ...(spec.globalPrefix === undefined ? {} : { globalPrefix: spec.globalPrefix }),
        ...(globalEgress.length === 0 ? {} : { globalEgress }),
      },
    };
  }
  const inputs: Record<string, unknown>[] = asArgument(() => {
    switch (kind) {
      case "endpoint":
        return req.endpoints.map(endpointInputFromWire);
      case "export":
        return req.exports.map(exportInputFromWire);
      case "connection":
        return req.connections.map(connectionInputFromWire);
      case "workload":
        return req.workloads.map(workloadInputFromWire);
    }
  });
  const records = inputs.map((value) => ({ kind, value }) as BrokerRecord);
  const seen = new Set<string>();
  for (const record of records) {
    const recordOwnerId = recordOwner(record);
    if (typeof recordOwnerId !== "string" || recordOwnerId === "") {
      throw new BrokerError("InvalidArgument", `A ${kind} record names no cluster`);
    }
    if (recordOwnerId !== owner) {
      throw new BrokerError("PermissionDenied", `Cluster "${owner}" may not write ${kind} "${recordKey(record)}" of cluster "${recordOwnerId}"`);
    }
    const key = recordKey(record);
    if (seen.has(key)) throw new BrokerError("InvalidArgument", `The ${kind} "${key}" is listed more than once`);
    seen.add(key);
  }
  return { kind, records: inputs };
}

/**
 * Runs one Join under the per-source limit: a source with too many refused Joins is refused at
 * once (RESOURCE_EXHAUSTED); a refusal for the token or the id is counted and logged with the
 * token's id, never the token.
 */
async function withJoinLimit<T>(
  join: { readonly ctx: BrokerContext; readonly logger: BrokerContext["logger"]; readonly source: string; readonly clusterId: string; readonly token: string },
  run: () => Promise<T>,
): Promise<T> {
  join.ctx.joinLimiter.check(join.source);
  try {
    return await run();
  } catch (err) {
    if (isIsthmusError(err, "Unauthenticated") || isIsthmusError(err, "PermissionDenied")) {
      join.ctx.joinLimiter.fail(join.source);
      const tokenId = /^isthmus_([0-9a-f]{16})\./.exec(join.token)?.[1];
      join.logger.warn({ source: join.source, clusterId: join.clusterId, tokenId, reason: errorMessage(err) }, "join refused");
    }
    throw err;
  }
}
