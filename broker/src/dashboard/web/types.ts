// The dashboard's JSON shapes, shared by the broker (which serves them) and the page (which
// reads them). They mirror @isthmus/core's model structurally; this folder is compiled for the
// browser and imports nothing from Node or from other packages.

/** A member cluster (core's Cluster). */
export interface ClusterRecord {
  readonly id: string;
  readonly podCidrs: readonly string[];
  readonly serviceCidrs: readonly string[];
  readonly globalCidr?: string | undefined;
  readonly joinedAt: string;
  readonly lastSeen: string;
}

/** A gateway endpoint (core's GatewayEndpoint, the fields the dashboard shows). */
export interface EndpointRecord {
  readonly clusterId: string;
  readonly hostname: string;
  readonly publicIp: string;
  readonly privateIp: string;
  readonly port: number;
  readonly cableDriver: string;
  readonly behindNat: boolean;
  readonly role: "active" | "passive";
}

/** A service export (core's ServiceExport). */
export interface ExportRecord {
  readonly clusterId: string;
  readonly namespace: string;
  readonly name: string;
  readonly type: "ClusterSetIP" | "Headless";
  readonly ports: readonly { readonly name?: string | undefined; readonly port: number; readonly protocol: string }[];
  readonly clusterIp?: string | undefined;
  readonly endpoints?: readonly { readonly addresses: readonly string[]; readonly ready: boolean }[];
  readonly createdAt: string;
}

/** A connection status (core's ConnectionStatus). */
export interface ConnectionRecord {
  readonly fromCluster: string;
  readonly fromGateway: string;
  readonly toCluster: string;
  readonly status: "connecting" | "connected" | "error";
  readonly reason?: string | undefined;
  readonly rtt: { readonly lastMs: number; readonly minMs: number; readonly avgMs: number; readonly maxMs: number };
  readonly lossRatio?: number | undefined;
  readonly lastChange: string;
}

/** Every record of the catalog, by kind, keyed as the broker keys them. */
export interface DashboardRecords {
  readonly cluster: ReadonlyMap<string, ClusterRecord>;
  readonly endpoint: ReadonlyMap<string, EndpointRecord>;
  readonly export: ReadonlyMap<string, ExportRecord>;
  readonly connection: ReadonlyMap<string, ConnectionRecord>;
}

/** One record kind's name. */
export type DashboardKind = keyof DashboardRecords;

/** One change of a commit, as the stream sends it (`value` is the removed value on "delete"). */
export interface DashboardChange {
  readonly type: "put" | "delete";
  readonly kind: DashboardKind;
  readonly key: string;
  readonly value: ClusterRecord | EndpointRecord | ExportRecord | ConnectionRecord;
}

/** An entry of the events list. */
export interface DashboardEvent {
  /** Increasing number, unique per broker process. */
  readonly seq: number;
  /** When the broker saw it (ISO 8601). */
  readonly at: string;
  readonly type: "join" | "leave" | "failover" | "status" | "export" | "unexport";
  /** The cluster it is about. */
  readonly clusterId: string;
  /** One line for people. */
  readonly text: string;
}

/** The stream's first message, and the reply of GET /api/v1/snapshot. */
export interface DashboardSnapshot {
  readonly revision: number;
  readonly records: { readonly [K in DashboardKind]: readonly [string, DashboardRecords[K] extends ReadonlyMap<string, infer V> ? V : never][] };
  readonly events: readonly DashboardEvent[];
}

/** A batch of commits the stream sends (coalesced, at most a few per second). */
export interface DashboardDelta {
  readonly revision: number;
  readonly changes: readonly DashboardChange[];
  readonly events: readonly DashboardEvent[];
}

/** Who is signed in (GET /api/v1/session). */
export interface DashboardSession {
  readonly role: "viewer" | "admin";
  /** "session" (a signed-in token) or "certificate" (the admin client certificate). */
  readonly via: "session" | "certificate";
  readonly tokenId?: string;
  readonly expiresAt?: string;
}

/** A token as the tokens view lists it (the CLI's `token list -o json` fields plus the scope). */
export interface TokenInfo {
  readonly id: string;
  readonly scope: "join" | "viewer" | "admin";
  readonly description: string;
  readonly clusterId?: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly uses: number;
  readonly maxUses: number;
  readonly revoked: boolean;
}

/** Every error reply: `{ error: { code, message } }` with an HTTP status to match. */
export interface DashboardErrorBody {
  readonly error: {
    readonly code: "Unauthenticated" | "PermissionDenied" | "InvalidArgument" | "NotFound" | "Internal";
    readonly message: string;
  };
}
