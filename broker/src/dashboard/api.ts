import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { gzipSync } from "node:zlib";
import { errorMessage, isIsthmusError } from "@isthmus/core/errors";
import { z } from "zod";
import { BrokerError } from "../errors.js";
import { identify, type RevocationList } from "../identity.js";
import type { Logger } from "../logger.js";
import type { Store, TokenRow } from "../store/store.js";
import { mintToken, tokenInfo } from "../tokens.js";
import type { DashboardModel } from "./model.js";
import { sessionCookieName, type SessionKeeper } from "./sessions.js";
import { openDashboardStream, type DashboardStream } from "./stream.js";
import type { DashboardErrorBody, DashboardSession, TokenInfo } from "./web/types.js";
import { matrixView, servicesView, topologyView } from "./web/views.js";

// The JSON API under /api/v1 (documented in broker/README.md). Reads need a viewer or admin
// session (or the admin client certificate); token administration needs admin; minting
// dashboard tokens needs the admin client certificate (the CLI's `token create --viewer`).
// Errors are `{ error: { code, message } }` with 400/401/403/404; never data.

/** Who is calling. */
export interface Principal {
  readonly role: "viewer" | "admin";
  readonly via: "session" | "certificate";
  readonly tokenId?: string;
  readonly expiresAt?: Date;
}

/** What the API needs. */
export interface DashboardApiDeps {
  readonly store: Store;
  readonly model: DashboardModel;
  readonly sessions: SessionKeeper;
  readonly revoked: RevocationList;
  readonly logger: Logger;
  /** Open streams, so that stopping the server can end them. */
  readonly streams: Set<DashboardStream>;
}

const maxTtlSeconds = 30 * 86_400;
const createTokenSchema = z.strictObject({
  scope: z.enum(["viewer", "admin"]),
  ttlSeconds: z.int().min(1).max(maxTtlSeconds),
  description: z.string().max(200).default(""),
});
const signInSchema = z.strictObject({ token: z.string().min(1).max(200) });

const status = { InvalidArgument: 400, Unauthenticated: 401, PermissionDenied: 403, NotFound: 404 } as const;

/** Handles one /api/v1 request. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, deps: DashboardApiDeps): Promise<void> {
  try {
    await route(req, res, path, deps);
  } catch (err) {
    const code = isIsthmusError(err) && err.code in status ? (err.code as keyof typeof status) : undefined;
    if (code === undefined) deps.logger.warn({ err: errorMessage(err), path }, "dashboard API request failed; answering 500");
    else deps.logger.debug({ code, path }, "dashboard API request refused");
    const body: DashboardErrorBody = { error: { code: code ?? "Internal", message: code === undefined ? "internal error (see the broker's log)" : (err as Error).message } };
    if (!res.headersSent) sendJson(req, res, body, code === undefined ? 500 : status[code], code === "Unauthenticated" ? { "set-cookie": clearCookie } : {});
    else res.end();
  }
}

async function route(req: IncomingMessage, res: ServerResponse, path: string, deps: DashboardApiDeps): Promise<void> {
  const method = req.method ?? "GET";
  if (method === "POST") checkSameOrigin(req);
  if (path === "/api/v1/login" && method === "POST") {
    const { token } = parse(signInSchema, await readJson(req));
    const { cookie, principal } = await deps.sessions.signIn(token, new Date());
    deps.logger.info({ tokenId: principal.tokenId, role: principal.role }, "dashboard sign-in");
    const maxAge = Math.max(1, Math.floor((principal.expiresAt.getTime() - Date.now()) / 1000));
    sendJson(req, res, sessionOf({ ...principal, via: "session" }), 200, {
      "set-cookie": `${sessionCookieName}=${cookie}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`,
    });
    return;
  }
  if (path === "/api/v1/logout" && method === "POST") {
    sendJson(req, res, {}, 200, { "set-cookie": clearCookie });
    return;
  }
  const who = await principalOf(req, deps);
  const get = (p: string): boolean => path === p && (method === "GET" || method === "HEAD");
  const records = (): ReturnType<DashboardModel["records"]> => deps.model.records();
  if (get("/api/v1/session")) sendJson(req, res, sessionOf(who));
  else if (get("/api/v1/snapshot")) sendJson(req, res, deps.model.snapshot());
  else if (get("/api/v1/topology")) sendJson(req, res, topologyView(records()));
  else if (get("/api/v1/connections")) sendJson(req, res, matrixView(records()));
  else if (get("/api/v1/services")) sendJson(req, res, { services: servicesView(records()) });
  else if (get("/api/v1/events")) sendJson(req, res, { events: deps.model.events() });
  else if (path === "/api/v1/stream" && method === "GET") {
    const stream = openDashboardStream(res, {
      model: deps.model,
      since: sinceOf(req),
      gzip: acceptsGzip(req),
      recheck: async () => {
        try {
          await principalOf(req, deps);
          return undefined;
        } catch (err) {
          return errorMessage(err);
        }
      },
    });
    deps.streams.add(stream);
    res.on("close", () => deps.streams.delete(stream));
  } else if (path === "/api/v1/tokens" || path.startsWith("/api/v1/tokens/")) await tokens(req, res, { path, method, who, deps });
  else throw new BrokerError("NotFound", `No API ${method} ${path}`);
}

async function tokens(
  req: IncomingMessage,
  res: ServerResponse,
  { path, method, who, deps }: { path: string; method: string; who: Principal; deps: DashboardApiDeps },
): Promise<void> {
  if (who.role !== "admin") throw new BrokerError("PermissionDenied", "Tokens are for admins: this session is read-only (viewer)");
  const revoke = /^\/api\/v1\/tokens\/([0-9a-f]{16})\/revoke$/.exec(path);
  if (path === "/api/v1/tokens" && method === "GET") {
    sendJson(req, res, { tokens: (await deps.store.listTokens()).map(dashboardTokenInfo) });
  } else if (path === "/api/v1/tokens" && method === "POST") {
    if (who.via !== "certificate") throw new BrokerError("PermissionDenied", "Dashboard tokens are minted with the admin client certificate (isthmus token create --viewer)");
    const body = parse(createTokenSchema, await readJson(req));
    const minted = await mintToken(deps.store, { ttlSeconds: body.ttlSeconds, maxUses: 0, description: body.description, now: new Date(), scope: body.scope });
    deps.logger.info({ tokenId: minted.row.id, scope: body.scope }, "created a dashboard token");
    sendJson(req, res, { token: minted.token, info: dashboardTokenInfo(minted.row) }, 201);
  } else if (revoke?.[1] !== undefined && method === "POST") {
    const row = await deps.store.revokeToken(revoke[1]);
    if (row === undefined) throw new BrokerError("NotFound", `Token "${revoke[1]}" does not exist`);
    deps.logger.info({ tokenId: row.id, by: who.tokenId ?? "admin certificate" }, "revoked a token from the dashboard API");
    sendJson(req, res, { info: dashboardTokenInfo(row) });
  } else throw new BrokerError("NotFound", `No API ${method} ${path}`);
}

/** The caller: the admin client certificate if presented and valid, else the session cookie. */
async function principalOf(req: IncomingMessage, deps: DashboardApiDeps): Promise<Principal> {
  const socket = req.socket as TLSSocket;
  // A resumed TLS session can report `authorized` without the certificate: then the cookie decides.
  const cert = socket.authorized ? socket.getPeerCertificate() : undefined;
  if (cert?.raw !== undefined && cert.raw.length > 0) {
    const who = identify({ getAuthContext: () => ({ sslPeerCertificate: cert }) }, deps.revoked);
    if (who.kind !== "admin") throw new BrokerError("PermissionDenied", `Cluster "${who.clusterId}"'s certificate does not open the dashboard`);
    return { role: "admin", via: "certificate" };
  }
  const p = await deps.sessions.check(cookieOf(req), new Date());
  return { role: p.role, via: "session", tokenId: p.tokenId, expiresAt: p.expiresAt };
}

/** The revision a page resumes from: EventSource's Last-Event-ID on a reconnect, else `?since=`. */
function sinceOf(req: IncomingMessage): number | undefined {
  const header = req.headers["last-event-id"];
  const query = new URL(req.url ?? "/", "https://dashboard").searchParams.get("since");
  const value = Number(typeof header === "string" && header !== "" ? header : (query ?? "x"));
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function sessionOf(p: Principal): DashboardSession {
  return { role: p.role, via: p.via, ...(p.tokenId === undefined ? {} : { tokenId: p.tokenId }), ...(p.expiresAt === undefined ? {} : { expiresAt: p.expiresAt.toISOString() }) };
}

/** A POST must be JSON (a cross-site form cannot send that) and, when the browser says where it comes from, from this origin. */
function checkSameOrigin(req: IncomingMessage): void {
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) throw new BrokerError("InvalidArgument", "POST bodies must be application/json");
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `https://${req.headers.host ?? ""}`) throw new BrokerError("PermissionDenied", `Cross-origin request from ${origin} refused`);
}

const clearCookie = `${sessionCookieName}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === sessionCookieName) return value.join("=");
  }
  return undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16 * 1024) throw new BrokerError("InvalidArgument", "Request body larger than 16 KiB");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch (err) {
    throw new BrokerError("InvalidArgument", `Request body is not JSON: ${errorMessage(err)}`, { cause: err });
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const out = schema.safeParse(value);
  if (!out.success) throw new BrokerError("InvalidArgument", `Invalid request: ${out.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`);
  return out.data;
}

/** True when the client accepts a gzip body. */
export function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
}

function sendJson(req: IncomingMessage, res: ServerResponse, body: unknown, code = 200, headers: Record<string, string> = {}): void {
  const text = Buffer.from(JSON.stringify(body));
  const zip = text.length > 1024 && acceptsGzip(req);
  res.writeHead(code, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    vary: "accept-encoding",
    ...(zip ? { "content-encoding": "gzip" } : {}),
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : zip ? gzipSync(text) : text);
}

/** The admin API's view of a token plus its scope. */
function dashboardTokenInfo(row: TokenRow): TokenInfo {
  return { ...tokenInfo(row), scope: row.scope ?? "join" };
}
