import type { BrokerRecord, RecordKind } from "@isthmus/core/brokerapi";

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
  /**
   * True when the store rebuilt its cache from a fresh listing instead (an etcd replica whose
   * watch fell behind compaction): `changes` is empty and what happened between the previous
   * event and `revision` is not known one by one, so a listener resynchronises from a snapshot.
   */
  readonly rebuilt?: boolean;
}

/** A consistent read view inside a transaction. */
export interface StoreView {
  /** Records of `kind`, optionally only those owned by `owner`; ordered by key. */
  list(kind: RecordKind, owner?: string): BrokerRecord[];
  /** Global block allocations: cluster id → CIDR text. Released only by a plan's `release`. */
  globalCidrs(): ReadonlyMap<string, string>;
}

/** The writes a transaction commits. Puts of unchanged values are dropped (no event, no revision). */
export interface WritePlan<T> {
  readonly puts: readonly BrokerRecord[];
  readonly deletes: readonly { readonly kind: RecordKind; readonly key: string }[];
  /** Global blocks to record for clusters (unique; fails if taken). */
  readonly allocate?: readonly { readonly clusterId: string; readonly cidr: string }[];
  /** A cluster whose global block is freed (it is being removed). */
  readonly release?: string;
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

/**
 * What a token is for: "join" lets a cluster obtain its certificate; "viewer" and "admin" sign
 * a browser in to the dashboard, read-only or with token administration (docs/adr/0204).
 */
export type TokenScope = "join" | "viewer" | "admin";

/** A token as stored (the secret itself is never stored, only its hash). */
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
  /** What the token is for; undefined means "join" (tokens stored before dashboard tokens existed). */
  readonly scope?: TokenScope;
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
  /**
   * The join token the certificate was obtained with (a renewal inherits the renewed
   * certificate's); undefined for the admin credential. A rejoin with a bound token revokes
   * the subject's certificates obtained with any other token (docs/adr/0202-broker-auth.md).
   */
  readonly tokenId: string | undefined;
}

/** A Join to admit: the presented token, the cluster id asked for, the certificate to record. */
export interface JoinRequest {
  /** Token id and SHA-256 of its secret. */
  readonly id: string;
  readonly hash: string;
  readonly clusterId: string;
  readonly now: Date;
  /** The certificate signed for this Join, recorded (with the token's id) only when admitted. */
  readonly certificate: Omit<CertificateRow, "tokenId" | "revokedAt">;
}

/**
 * The outcome of a Join: admitted (the token's use counted, the certificate recorded, earlier
 * certificates of the id obtained with other tokens revoked), or refused with the reason.
 * "Unauthenticated": the token is unknown, expired, used up, revoked or bound to another id;
 * "PermissionDenied": the id is already joined and the token is not bound to it.
 */
export type JoinAdmission =
  | {
      readonly ok: true;
      /** The token with this use counted; undefined for a renewal. */
      readonly token: TokenRow | undefined;
      /** Serials revoked by this Join. */
      readonly revoked: readonly string[];
    }
  | { readonly ok: false; readonly code: "Unauthenticated" | "PermissionDenied"; readonly reason: string };

/** A renewal: a cluster presenting its own live certificate gets a new one. */
export interface RenewalRequest {
  /** Serial of the certificate the caller presented (its subject is the cluster id). */
  readonly presentedSerial: string;
  readonly clusterId: string;
  readonly now: Date;
  readonly certificate: Omit<CertificateRow, "tokenId" | "revokedAt">;
}

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
  /**
   * Admits or refuses a Join in one atomic step (see {@link JoinAdmission} and
   * `checkJoin`): concurrent Joins of one id, on any replica, are decided one after the other.
   */
  admitJoin(request: JoinRequest): Promise<JoinAdmission>;
  /**
   * Records a renewed certificate of `clusterId`, which inherits the presented one's token;
   * refused ("Unauthenticated") when the presented certificate is unknown, revoked or expired.
   */
  renewCertificate(request: RenewalRequest): Promise<JoinAdmission>;
  /** The token with `id`, or undefined when unknown. */
  getToken(id: string): Promise<TokenRow | undefined>;
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
  /**
   * Calls `listener` for each certificate revoked from now on, by this process or (etcd) by any
   * replica, soon after its revocation commits; returns an unsubscribe. A feed, not a guarantee:
   * the server also rereads `revokedSerials` periodically.
   */
  onRevoked(listener: (revoked: { readonly serial: string; readonly subject: string }) => void): () => void;

  /** Reads a metadata value (e.g. the CA). */
  getMeta(key: string): Promise<string | undefined>;
  /** Writes a metadata value only if absent; returns the value that is stored afterwards. */
  putMetaIfAbsent(key: string, value: string): Promise<string>;

  /** Closes the store. Idempotent. */
  close(): Promise<void>;
}
