import type { BrokerRecord, RecordKind } from "@isthmus/core";

// Design notes: a Store holds the catalog (records of every kind), the change log that
// watchers resume from, join tokens, issued certificates and small metadata (the CA). Every
// write goes through `transact`: the plan function sees a consistent view and returns the puts
// and deletes, which commit atomically under ONE new revision (none if nothing changed).
// Revisions only grow. The change log keeps the last `historyRevisions` revisions; older
// ones are compacted and a watcher asking for them gets a snapshot instead.

/** One change of a commit. For "delete", `record` is the value that was removed. */
export interface StoredChange {
  readonly type: "put" | "delete";
  readonly key: string;
  readonly record: BrokerRecord;
}

/** One commit: every change it made, in order, under one revision. */
export interface CommitEvent {
  readonly revision: number;
  readonly changes: readonly StoredChange[];
}

/** A consistent read view inside a transaction. */
export interface StoreView {
  /** Records of `kind`, optionally only those owned by `owner`; ordered by key. */
  list(kind: RecordKind, owner?: string): BrokerRecord[];
  /** Global CIDR allocations: cluster id → CIDR text. Allocations are never released. */
  globalCidrs(): ReadonlyMap<string, string>;
}

/** The writes a transaction commits. Puts of unchanged values are dropped (no event, no revision). */
export interface WritePlan<T> {
  readonly puts: readonly BrokerRecord[];
  readonly deletes: readonly { readonly kind: RecordKind; readonly key: string }[];
  /** A global CIDR to record for a cluster (unique; fails if taken). */
  readonly allocate?: { readonly clusterId: string; readonly cidr: string };
  /** Returned to the caller with the commit. */
  readonly result: T;
}

/** The outcome of a transaction. */
export interface TransactResult<T> {
  readonly result: T;
  /** The new revision, or the current one when nothing changed. */
  readonly revision: number;
  readonly changes: readonly StoredChange[];
}

/** A join token as stored (the secret itself is never stored, only its hash). */
export interface TokenRow {
  readonly id: string;
  readonly hash: string;
  readonly clusterId: string | undefined;
  readonly description: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly uses: number;
  readonly maxUses: number;
  readonly revoked: boolean;
}

/** A certificate the broker issued, for revocation. */
export interface CertificateRow {
  /** Normalised hex serial (see core's normalizeSerial). */
  readonly serial: string;
  /** The subject common name: a cluster id or "admin". */
  readonly subject: string;
  readonly issuedAt: string;
  readonly notAfter: string;
  readonly revokedAt: string | undefined;
}

/** Result of trying to use a token. */
export type TokenUse = { readonly ok: true; readonly token: TokenRow } | { readonly ok: false; readonly reason: string };

/** Persistent state of the broker. Implementations: SQLite (one replica), etcd (several). */
export interface Store {
  /** "sqlite" or "etcd", for broker info and metrics. */
  readonly name: string;
  /** True while the store can serve (open; for etcd: its commit watch is connected). For /readyz. */
  ready(): boolean;
  /** The latest committed revision (0 when empty). */
  revision(): number;
  /** The newest revision no longer in the change log (0 when nothing was compacted). */
  compactedRevision(): number;
  /**
   * Runs `plan` on a consistent view and commits its writes atomically under one new revision.
   * Throws what `plan` throws (nothing is written then). Listeners are told after the commit.
   */
  transact<T>(plan: (view: StoreView) => WritePlan<T>): Promise<TransactResult<T>>;
  /** All records of the given kinds (all kinds when empty) at one revision. */
  snapshot(kinds: readonly RecordKind[]): Promise<{ readonly revision: number; readonly records: BrokerRecord[] }>;
  /** Commits after `revision` in order, or "compacted" when the log no longer reaches back that far. */
  changesSince(revision: number): Promise<CommitEvent[] | "compacted">;
  /** Registers a listener called synchronously after each commit, in revision order; returns an unsubscribe. */
  subscribe(listener: (event: CommitEvent) => void): () => void;

  /** Stores a new token. */
  insertToken(token: TokenRow): Promise<void>;
  /** Atomically checks a token (by id and hash, expiry, uses, revocation, cluster) and counts one use. */
  useToken(options: { readonly id: string; readonly hash: string; readonly clusterId: string; readonly now: Date }): Promise<TokenUse>;
  /** All tokens, newest first. */
  listTokens(): Promise<TokenRow[]>;
  /** Marks a token revoked; returns it, or undefined when unknown. */
  revokeToken(id: string): Promise<TokenRow | undefined>;

  /** Records an issued certificate. */
  insertCertificate(cert: CertificateRow): Promise<void>;
  /** Revokes every unrevoked certificate of `subject`; returns their serials. */
  revokeCertificatesOf(subject: string, now: Date): Promise<string[]>;
  /** Serials of all revoked certificates. */
  revokedSerials(): Promise<Set<string>>;

  /** Reads a metadata value (e.g. the CA). */
  getMeta(key: string): Promise<string | undefined>;
  /** Writes a metadata value only if absent; returns the value that is stored afterwards. */
  putMetaIfAbsent(key: string, value: string): Promise<string>;

  /** Closes the store. Idempotent. */
  close(): Promise<void>;
}
