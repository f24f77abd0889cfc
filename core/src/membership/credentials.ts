import * as grpc from "@grpc/grpc-js";
import { type CoreV1Api, V1ObjectMeta, V1Secret } from "@kubernetes/client-node";
import { defaults } from "../constants.js";
import { IsthmusError } from "../errors.js";
import { BrokerApiError, type JoinResult, joinBroker } from "../brokerapi/index.js";
import type { BrokerConnection } from "../brokerapi/index.js";
import { httpStatusOf, toKubeError } from "../kube/index.js";
import { parseCertificate } from "../pki/index.js";
import type { Logger } from "../runtime/index.js";

/** Codes of the errors an agent meets while obtaining its broker credentials. */
export type MembershipErrorCode = "NotJoined" | "BadBrokerSecret" | "JoinRefused";

/**
 * The cluster has no usable broker secret (run `isthmus join`), it is malformed, or the broker
 * refused its token while no other agent of the cluster stored credentials either.
 */
export class MembershipError extends IsthmusError<MembershipErrorCode> {}

/**
 * What `isthmus join` leaves in the cluster (Secret `isthmus-broker` in `isthmus-system`):
 * where the broker is, how to trust it, the join token and this cluster's id.
 */
export interface BrokerSecret {
  readonly address: string;
  readonly caPem: string;
  readonly serverName?: string;
  readonly token: string;
  readonly clusterId: string;
}

/** Options of `ensureBrokerCredentials`. */
export interface EnsureCredentialsOptions {
  readonly core: CoreV1Api;
  readonly logger: Logger;
  /** Namespace of both secrets; default `isthmus-system`. */
  readonly namespace?: string;
  /** Renew when the certificate expires sooner than this; default 24 h. */
  readonly renewBeforeMs?: number;
  /** Injectable for tests; default `joinBroker`. */
  readonly join?: typeof joinBroker;
  /** Injectable for tests; default `Date.now`. */
  readonly now?: () => number;
  /**
   * After the broker refused the token (another agent of the cluster used it first), how long
   * to wait for that agent's credentials to appear in the Secret; default 10 s.
   */
  readonly raceWaitMs?: number;
}

const decode = (s: V1Secret, key: string): string | undefined => {
  const v = s.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
};
const encode = (v: string): string => Buffer.from(v, "utf8").toString("base64");

async function readSecret(core: CoreV1Api, namespace: string, name: string): Promise<V1Secret | undefined> {
  try {
    return await core.readNamespacedSecret({ name, namespace });
  } catch (err) {
    if (httpStatusOf(err) === 404) return undefined;
    throw toKubeError(`Cannot read Secret ${namespace}/${name}`, err);
  }
}

/** Parses the `isthmus-broker` Secret, listing every missing key at once. */
export function parseBrokerSecret(secret: V1Secret): BrokerSecret {
  const fields = { address: decode(secret, "address"), caPem: decode(secret, "ca.crt"), token: decode(secret, "token"), clusterId: decode(secret, "cluster-id") };
  const missing = Object.entries({ address: "address", caPem: "ca.crt", token: "token", clusterId: "cluster-id" })
    .filter(([field]) => fields[field as keyof typeof fields] === undefined)
    .map(([, key]) => key);
  if (missing.length > 0) {
    throw new MembershipError("BadBrokerSecret", `Secret ${defaults.brokerSecret} lacks ${missing.join(", ")}: rerun "isthmus join"`);
  }
  const serverName = decode(secret, "server-name");
  return { ...(fields as Omit<BrokerSecret, "serverName">), ...(serverName === undefined ? {} : { serverName }) };
}

function credentialsFrom(secret: V1Secret, broker: BrokerSecret): BrokerConnection | undefined {
  const certPem = decode(secret, "tls.crt");
  const keyPem = decode(secret, "tls.key");
  const caPem = decode(secret, "ca.crt");
  if (certPem === undefined || keyPem === undefined || caPem === undefined) return undefined;
  return { address: broker.address, caPem, certPem, keyPem, ...(broker.serverName === undefined ? {} : { serverName: broker.serverName }) };
}

function credentialsSecret(namespace: string, joined: JoinResult, resourceVersion?: string): V1Secret {
  const metadata = Object.assign(new V1ObjectMeta(), {
    name: defaults.brokerCredentialsSecret,
    namespace,
    labels: { "app.kubernetes.io/part-of": "isthmus" },
    ...(resourceVersion === undefined ? {} : { resourceVersion }),
  });
  return Object.assign(new V1Secret(), {
    metadata,
    type: "kubernetes.io/tls",
    data: { "tls.crt": encode(joined.certPem), "tls.key": encode(joined.keyPem), "ca.crt": encode(joined.caPem) },
  });
}

/**
 * True for the broker's answer to a used-up, expired or unknown token (gRPC UNAUTHENTICATED),
 * or to an unbound token presented for a cluster id another agent has just joined
 * (PERMISSION_DENIED).
 */
function isTokenRefusal(err: unknown): err is BrokerApiError {
  return (
    err instanceof BrokerApiError &&
    err.code === "Rejected" &&
    (err.grpcCode === grpc.status.UNAUTHENTICATED || err.grpcCode === grpc.status.PERMISSION_DENIED)
  );
}

/**
 * Polls the credentials Secret until it holds a valid certificate other than `stale` (the one
 * this agent wanted to renew): another agent of the cluster redeemed the token and is storing
 * what it got. Throws MembershipError "JoinRefused" when nothing appears within `raceWaitMs`.
 */
async function awaitStoredCredentials(
  options: EnsureCredentialsOptions,
  context: { namespace: string; broker: BrokerSecret; stale: string | undefined; refusal: BrokerApiError },
): Promise<BrokerConnection> {
  const now = options.now ?? Date.now;
  const waitMs = options.raceWaitMs ?? 10_000;
  const deadline = performance.now() + waitMs;
  for (;;) {
    const secret = await readSecret(options.core, context.namespace, defaults.brokerCredentialsSecret);
    const stored = secret === undefined ? undefined : credentialsFrom(secret, context.broker);
    if (stored?.certPem !== undefined && stored.certPem !== context.stale && parseCertificate(stored.certPem).notAfter.getTime() > now()) {
      options.logger.info("using the broker credentials another agent of this cluster stored");
      return stored;
    }
    if (performance.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - performance.now()))));
  }
  throw new MembershipError(
    "JoinRefused",
    `The broker refused the join token (${context.refusal.message}) and no other agent stored credentials in Secret ` +
      `${context.namespace}/${defaults.brokerCredentialsSecret} within ${waitMs} ms: rerun "isthmus join" with a fresh token`,
    { cause: context.refusal },
  );
}

/**
 * Returns this cluster's mTLS connection to the broker. The first agent of a cluster exchanges
 * the join token for a certificate (its key is made here and stored only in the cluster's own
 * Secret `isthmus-broker-credentials`); later agents, and restarts, reuse that Secret. A
 * certificate close to expiry is renewed by presenting it (the token is not needed then); an
 * expired one needs the token again. Agents racing for a one-use token
 * (gateway candidates starting together) all succeed: one redeems it, the broker refuses the
 * others, which wait for the winner's Secret and use it; a loser of the race to create the
 * Secret reads the winner's too. Idempotent; logs at info on a join.
 */
export async function ensureBrokerCredentials(options: EnsureCredentialsOptions): Promise<{ broker: BrokerSecret; connection: BrokerConnection }> {
  const namespace = options.namespace ?? defaults.namespace;
  const now = options.now ?? Date.now;
  const brokerSecret = await readSecret(options.core, namespace, defaults.brokerSecret);
  if (brokerSecret === undefined) {
    throw new MembershipError("NotJoined", `Secret ${namespace}/${defaults.brokerSecret} not found: this cluster has not been joined ("isthmus join")`);
  }
  const broker = parseBrokerSecret(brokerSecret);
  const existing = await readSecret(options.core, namespace, defaults.brokerCredentialsSecret);
  const current = existing === undefined ? undefined : credentialsFrom(existing, broker);
  if (current?.certPem !== undefined) {
    const { notAfter } = parseCertificate(current.certPem);
    if (notAfter.getTime() - now() > (options.renewBeforeMs ?? 24 * 3600_000)) return { broker, connection: current };
    options.logger.info({ notAfter: notAfter.toISOString() }, "broker certificate expires soon; renewing it");
  }
  const renew = current?.certPem !== undefined && current.keyPem !== undefined && parseCertificate(current.certPem).notAfter.getTime() > now() ? { certPem: current.certPem, keyPem: current.keyPem } : undefined;
  let joined: JoinResult;
  try {
    joined = await (options.join ?? joinBroker)({
      address: broker.address,
      caPem: broker.caPem,
      token: broker.token,
      clusterId: broker.clusterId,
      ...(broker.serverName === undefined ? {} : { serverName: broker.serverName }),
      ...(renew === undefined ? {} : { renew }),
    });
  } catch (err) {
    if (!isTokenRefusal(err)) throw err;
    options.logger.info({ err: err.message }, "the broker refused the join token; waiting for the agent that used it to store the credentials");
    return { broker, connection: await awaitStoredCredentials(options, { namespace, broker, stale: current?.certPem, refusal: err }) };
  }
  options.logger.info({ clusterId: joined.clusterId, notAfter: joined.notAfter }, "joined the broker");
  const body = credentialsSecret(namespace, joined, existing?.metadata?.resourceVersion);
  try {
    if (existing === undefined) await options.core.createNamespacedSecret({ namespace, body });
    else await options.core.replaceNamespacedSecret({ name: defaults.brokerCredentialsSecret, namespace, body });
  } catch (err) {
    const status = httpStatusOf(err);
    if (status !== 409) throw toKubeError(`Cannot store Secret ${namespace}/${defaults.brokerCredentialsSecret}`, err);
    options.logger.info("another agent stored the broker credentials first; using theirs");
    const winner = await readSecret(options.core, namespace, defaults.brokerCredentialsSecret);
    const theirs = winner === undefined ? undefined : credentialsFrom(winner, broker);
    if (theirs === undefined) throw toKubeError(`Secret ${namespace}/${defaults.brokerCredentialsSecret} vanished after a conflict`, err);
    return { broker, connection: theirs };
  }
  return { broker, connection: credentialsFrom(body, broker) ?? { address: broker.address, caPem: joined.caPem } };
}

/** Options of `keepBrokerCredentials`. */
export interface KeepCredentialsOptions extends EnsureCredentialsOptions {
  /** The connection the agent uses now (from `ensureBrokerCredentials`). */
  readonly current: BrokerConnection;
  /** Called with the renewed connection (this agent renewed, or another agent of the cluster did). */
  onRenewed(connection: BrokerConnection): void;
  /** How often the certificate is checked; default 10 min (the renewal window is 24 h). */
  readonly checkIntervalMs?: number;
}

/**
 * Keeps a running agent's broker certificate current: every `checkIntervalMs` it runs
 * `ensureBrokerCredentials` (which renews a certificate inside the renewal window by presenting
 * it, or picks up the one another agent of the cluster stored) and hands a changed certificate
 * to `onRenewed`. A failed check is logged and tried again at the next one; the certificate in
 * use stays valid until its own expiry, so a broker outage shorter than the window costs
 * nothing. Returns a function that stops it.
 */
export function keepBrokerCredentials(options: KeepCredentialsOptions): () => void {
  let current = options.current.certPem;
  let running: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    try {
      const { connection } = await ensureBrokerCredentials(options);
      if (connection.certPem === undefined || connection.certPem === current) return;
      current = connection.certPem;
      options.logger.info({ notAfter: parseCertificate(connection.certPem).notAfter.toISOString() }, "using the renewed broker certificate");
      options.onRenewed(connection);
    } catch (err) {
      options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "cannot renew the broker certificate; trying again at the next check");
    }
  };
  const timer = setInterval(() => {
    running ??= check().finally(() => (running = undefined));
  }, options.checkIntervalMs ?? 10 * 60_000);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
