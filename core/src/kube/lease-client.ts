import { V1Lease, V1LeaseSpec, V1MicroTime, V1ObjectMeta, type CoordinationV1Api } from "@kubernetes/client-node";
import { KubeError, toKubeError } from "./errors.js";

/** Names one Lease object. */
export interface LeaseRef {
  /** The Lease's namespace. */
  readonly namespace: string;
  /** The Lease's name. */
  readonly name: string;
}

/** The leader-election fields of a Lease's spec (coordination.k8s.io/v1). */
export interface LeaseRecord {
  /** Who holds the lease; "" when nobody does (released or never held). */
  readonly holderIdentity: string;
  /** How long after the last observed renewal others must wait before taking over, in seconds. */
  readonly leaseDurationSeconds: number;
  /** When the current holder acquired the lease. */
  readonly acquireTime: Date | undefined;
  /** When the current holder last renewed the lease. */
  readonly renewTime: Date | undefined;
  /** How many times the lease changed holder. */
  readonly leaseTransitions: number;
}

/** A LeaseRecord as read from the server, with the version that a replace must quote. */
export interface ObservedLease extends LeaseRecord {
  /** The object's resourceVersion (optimistic concurrency token). */
  readonly resourceVersion: string;
}

/**
 * The three calls leader election needs, so that it runs against the API server or against an
 * in-memory fake (`kube/testing/fake-lease-client.ts`). Implementations never retry and never
 * log: they throw KubeError and let the elector decide.
 */
export interface LeaseClient {
  /** Reads the lease; resolves undefined when it does not exist; throws KubeError "ApiError" otherwise. */
  get(ref: LeaseRef): Promise<ObservedLease | undefined>;
  /** Creates the lease with `record`; throws KubeError "Conflict" when it already exists. */
  create(ref: LeaseRef, record: LeaseRecord): Promise<ObservedLease>;
  /**
   * Replaces the lease's spec with `record` if its resourceVersion is still `resourceVersion`;
   * throws KubeError "Conflict" when it changed meanwhile and "NotFound" when it was deleted.
   */
  replace(ref: LeaseRef, record: LeaseRecord & { readonly resourceVersion: string }): Promise<ObservedLease>;
}

/** A LeaseClient over client-node's CoordinationV1Api (the real API server). */
export function createKubeLeaseClient(api: CoordinationV1Api): LeaseClient {
  return {
    async get(ref) {
      try {
        return fromLease(await api.readNamespacedLease({ name: ref.name, namespace: ref.namespace }), ref);
      } catch (err) {
        const converted = toKubeError(`Cannot read Lease ${ref.namespace}/${ref.name}`, err);
        if (converted.code === "NotFound") {
          return undefined;
        }
        throw converted;
      }
    },
    async create(ref, record) {
      try {
        const body = toLease(ref, record, undefined);
        return fromLease(await api.createNamespacedLease({ namespace: ref.namespace, body }), ref);
      } catch (err) {
        throw toKubeError(`Cannot create Lease ${ref.namespace}/${ref.name}`, err);
      }
    },
    async replace(ref, record) {
      try {
        const body = toLease(ref, record, record.resourceVersion);
        return fromLease(await api.replaceNamespacedLease({ name: ref.name, namespace: ref.namespace, body }), ref);
      } catch (err) {
        throw toKubeError(`Cannot replace Lease ${ref.namespace}/${ref.name}`, err);
      }
    },
  };
}

// client-node's models are classes; build instances rather than object literals.
function toLease(ref: LeaseRef, record: LeaseRecord, resourceVersion: string | undefined): V1Lease {
  const metadata = new V1ObjectMeta();
  metadata.name = ref.name;
  metadata.namespace = ref.namespace;
  if (resourceVersion !== undefined) {
    metadata.resourceVersion = resourceVersion;
  }
  const spec = new V1LeaseSpec();
  spec.holderIdentity = record.holderIdentity;
  spec.leaseDurationSeconds = record.leaseDurationSeconds;
  spec.leaseTransitions = record.leaseTransitions;
  if (record.acquireTime !== undefined) {
    spec.acquireTime = new V1MicroTime(record.acquireTime.getTime());
  }
  if (record.renewTime !== undefined) {
    spec.renewTime = new V1MicroTime(record.renewTime.getTime());
  }
  const lease = new V1Lease();
  lease.apiVersion = "coordination.k8s.io/v1";
  lease.kind = "Lease";
  lease.metadata = metadata;
  lease.spec = spec;
  return lease;
}

/** Reads a Lease returned by client-node, whose MicroTime fields arrive as strings despite their type. */
export function fromLease(lease: V1Lease, ref: LeaseRef): ObservedLease {
  const resourceVersion = lease.metadata?.resourceVersion;
  if (resourceVersion === undefined) {
    throw new KubeError("ApiError", `Lease ${ref.namespace}/${ref.name} came back without a resourceVersion`);
  }
  const spec = lease.spec;
  return {
    holderIdentity: spec?.holderIdentity ?? "",
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: toDate(spec?.acquireTime),
    renewTime: toDate(spec?.renewTime),
    leaseTransitions: spec?.leaseTransitions ?? 0,
    resourceVersion,
  };
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) {
    return new Date(value.getTime());
  }
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}
