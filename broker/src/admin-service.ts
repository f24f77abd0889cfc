import type * as grpc from "@grpc/grpc-js";
import { clusterToWire, connectionToWire, endpointToWire, exportToWire, type AdminServiceHandlers } from "@isthmus/core/brokerapi";
import { parseClusterId, type Cluster, type ConnectionStatus, type GatewayEndpoint, type ServiceExport } from "@isthmus/core/model";
import type { BrokerContext } from "./context.js";
import { BrokerError } from "./errors.js";
import { unaryHandler } from "./grpc-util.js";
import { adminSubject, identify } from "./identity.js";
import { mintToken, tokenInfo } from "./tokens.js";

/** Longest TTL a join token may have (30 days). */
const maxTokenTtlSeconds = 30 * 86_400;

/** The admin service; every call needs the admin certificate. */
export function createAdminService(ctx: BrokerContext): AdminServiceHandlers {
  const logger = ctx.logger.child({ component: "admin-service" });
  const observe = ctx.metrics.observeCall.bind(ctx.metrics);
  const admin = <Req, Res>(method: string, handle: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    unaryHandler<Req, Res>({
      method,
      logger,
      observe,
      handle: async (req, call) => {
        const who = identify(call, ctx.revoked);
        if (who.kind !== "admin") throw new BrokerError("PermissionDenied", `${method} needs the admin credential, not cluster "${who.clusterId}"'s`);
        return handle(req);
      },
    });
  const snapshotOf = async <T>(kind: "cluster" | "endpoint" | "export" | "connection"): Promise<T[]> =>
    (await ctx.store.snapshot([kind])).records.map((r) => r.value as T);
  const clusterOrThrow = async (id: string): Promise<Cluster> => {
    const found = (await snapshotOf<Cluster>("cluster")).find((c) => c.id === id);
    if (found === undefined) throw new BrokerError("NotFound", `Cluster "${id}" is not registered`);
    return found;
  };

  return {
    CreateToken: admin("CreateToken", async (req) => {
      if (req.ttlSeconds > maxTokenTtlSeconds) {
        throw new BrokerError("InvalidArgument", `ttlSeconds must be at most ${maxTokenTtlSeconds}, got ${req.ttlSeconds}`);
      }
      const clusterId = req.clusterId === undefined ? undefined : argument(() => parseClusterId(req.clusterId));
      const minted = await mintToken(ctx.store, {
        ttlSeconds: req.ttlSeconds,
        maxUses: req.maxUses,
        description: req.description,
        now: new Date(),
        ...(clusterId === undefined ? {} : { clusterId }),
      });
      logger.info({ tokenId: minted.row.id, clusterId, maxUses: req.maxUses }, "created a join token");
      return { token: minted.token, info: tokenInfo(minted.row) };
    }),
    ListTokens: admin("ListTokens", async () => ({ tokens: (await ctx.store.listTokens()).map(tokenInfo) })),
    RevokeToken: admin("RevokeToken", async (req) => {
      const row = await ctx.store.revokeToken(req.id);
      if (row === undefined) throw new BrokerError("NotFound", `Token "${req.id}" does not exist`);
      logger.info({ tokenId: req.id }, "revoked a join token");
      return { info: tokenInfo(row) };
    }),
    ListClusters: admin("ListClusters", async () => ({ clusters: (await snapshotOf<Cluster>("cluster")).map(clusterToWire) })),
    GetCluster: admin("GetCluster", async (req) => {
      const cluster = await clusterOrThrow(req.id);
      const endpoints = (await snapshotOf<GatewayEndpoint>("endpoint")).filter((e) => e.clusterId === req.id);
      const exportCount = (await snapshotOf<ServiceExport>("export")).filter((e) => e.clusterId === req.id).length;
      const connections = (await snapshotOf<ConnectionStatus>("connection")).filter((c) => c.fromCluster === req.id);
      return {
        cluster: clusterToWire(cluster),
        endpoints: endpoints.map(endpointToWire),
        exportCount,
        connections: connections.map(connectionToWire),
      };
    }),
    EvictCluster: admin("EvictCluster", async (req) => {
      const id = argument(() => parseClusterId(req.id));
      if (id === adminSubject) throw new BrokerError("InvalidArgument", `"${adminSubject}" is the admin credential, not a cluster`);
      const out = await ctx.catalog.evict(id);
      const serials = await ctx.store.revokeCertificatesOf(id, new Date());
      for (const serial of serials) ctx.revoked.add(serial);
      for (const end of ctx.streams.get(id) ?? []) end(`Cluster "${id}" was evicted`);
      logger.info({ clusterId: id, deleted: out.deleted, revoked: serials.length }, "evicted a cluster");
      return { revision: out.revision, deleted: out.deleted, revokedCertificates: serials.length };
    }),
    ListExports: admin("ListExports", async (req) => {
      const exports = (await snapshotOf<ServiceExport>("export")).filter(
        (e) => (req.clusterId === undefined || e.clusterId === req.clusterId) && (req.namespace === undefined || e.namespace === req.namespace),
      );
      return { exports: exports.map(exportToWire) };
    }),
    GetConnectionMatrix: admin("GetConnectionMatrix", async () => ({
      clusterIds: (await snapshotOf<Cluster>("cluster")).map((c) => c.id),
      connections: (await snapshotOf<ConnectionStatus>("connection")).map(connectionToWire),
    })),
    GetBrokerInfo: admin("GetBrokerInfo", async () => ({
      version: ctx.version,
      store: ctx.store.name,
      revision: ctx.store.revision(),
      compactedRevision: ctx.store.compactedRevision(),
      clusters: (await snapshotOf<Cluster>("cluster")).length,
      globalCidrPool: ctx.globalPool,
      caFingerprintSha256: ctx.pki.caInfo.fingerprintSha256,
      startedAt: ctx.startedAt.toISOString(),
      watchers: ctx.hub.size(),
    })),
  };
}

function argument<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new BrokerError("InvalidArgument", (err as Error).message, { cause: err });
  }
}
