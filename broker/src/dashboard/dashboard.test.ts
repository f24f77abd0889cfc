import { Agent, request } from "node:https";
import type { TLSSocket } from "node:tls";
import { joinBroker, type BrokerApiError } from "@isthmus/core/brokerapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBrokerBuilt } from "../testing/build.js";
import { dashboardCall, mintDashboardToken, signIn } from "../testing/dashboard.js";
import { startTestBroker, type TestBroker } from "../testing/harness.js";
import { waitUntil } from "../testing/processes.js";
import { connectionOf, endpointOf, exportOf, specOf } from "../testing/records.js";

let tb: TestBroker;
beforeAll(async () => {
  await ensureBrokerBuilt();
  tb = await startTestBroker();
}, 120_000);
afterAll(async () => {
  await tb.stop({ remove: true });
});

const errorCode = (body: unknown): string | undefined => (body as { error?: { code?: string } } | undefined)?.error?.code;

describe("dashboard API: who may see what", () => {
  it("answers every data endpoint without a session with 401 Unauthenticated and no data", async () => {
    for (const path of ["/api/v1/session", "/api/v1/snapshot", "/api/v1/topology", "/api/v1/connections", "/api/v1/services", "/api/v1/events", "/api/v1/tokens", "/api/v1/stream"]) {
      const reply = await dashboardCall(tb, { path });
      expect(reply.status, path).toBe(401);
      expect(errorCode(reply.body), path).toBe("Unauthenticated");
      expect(Object.keys(reply.body as object), path).toEqual(["error"]);
    }
  });

  it("refuses sign-in with a malformed, unknown, join or tampered credential", async () => {
    const cases: [string, RegExp][] = [
      ["hello", /not an isthmus token/],
      [`isthmus_0123456789abcdef.${"A".repeat(43)}`, /unknown token/],
    ];
    const { token: join } = await tb.admin.createToken({ ttlSeconds: 600, maxUses: 1, description: "join" });
    cases.push([join, /join token, not a dashboard token/]);
    const viewer = await mintDashboardToken(tb, "viewer");
    cases.push([`${viewer.token.slice(0, -1)}${viewer.token.endsWith("A") ? "B" : "A"}`, /unknown token/]);
    for (const [token, message] of cases) {
      const reply = await dashboardCall(tb, { path: "/api/v1/login", method: "POST", body: { token } });
      expect(reply.status).toBe(401);
      expect(errorCode(reply.body)).toBe("Unauthenticated");
      expect((reply.body as { error: { message: string } }).error.message).toMatch(message);
      expect(reply.headers["set-cookie"]?.[0] ?? "").not.toMatch(/isthmus_dashboard=v1/);
    }
    const forged = await dashboardCall(tb, { path: "/api/v1/topology", cookie: `isthmus_dashboard=v1.${viewer.id}.9999999999.${"x".repeat(43)}` });
    expect(forged.status).toBe(401);
    expect((forged.body as { error: { message: string } }).error.message).toMatch(/not one this broker issued/);
  });

  it("gives a viewer the views but not the tokens, and sets a Secure HttpOnly SameSite=Strict cookie", async () => {
    const viewer = await mintDashboardToken(tb, "viewer");
    const login = await dashboardCall(tb, { path: "/api/v1/login", method: "POST", body: { token: viewer.token } });
    expect(login.status).toBe(200);
    expect(login.headers["set-cookie"]?.[0]).toMatch(/^isthmus_dashboard=v1\.[0-9a-f]{16}\.\d+\.[\w-]{43}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
    expect(login.headers["set-cookie"]?.[0]).not.toContain(viewer.token.split(".")[1]);
    const cookie = await signIn(tb, viewer.token);
    expect((await dashboardCall(tb, { path: "/api/v1/session", cookie })).body).toMatchObject({ role: "viewer", via: "session", tokenId: viewer.id });
    expect((await dashboardCall(tb, { path: "/api/v1/topology", cookie })).status).toBe(200);
    const list = await dashboardCall(tb, { path: "/api/v1/tokens", cookie });
    expect([list.status, errorCode(list.body)]).toEqual([403, "PermissionDenied"]);
    const revoke = await dashboardCall(tb, { path: `/api/v1/tokens/${viewer.id}/revoke`, method: "POST", body: {}, cookie });
    expect([revoke.status, errorCode(revoke.body)]).toEqual([403, "PermissionDenied"]);
    expect((await tb.store.getToken(viewer.id))?.revoked).toBe(false);
  });

  it("lets a dashboard admin list and revoke tokens, but mint only with the admin certificate", async () => {
    const admin = await mintDashboardToken(tb, "admin");
    const cookie = await signIn(tb, admin.token);
    const list = await dashboardCall(tb, { path: "/api/v1/tokens", cookie });
    expect(list.status).toBe(200);
    expect((list.body as { tokens: { id: string; scope: string }[] }).tokens).toContainEqual(expect.objectContaining({ id: admin.id, scope: "admin" }));
    const mint = await dashboardCall(tb, { path: "/api/v1/tokens", method: "POST", body: { scope: "admin", ttlSeconds: 60 }, cookie });
    expect([mint.status, errorCode(mint.body)]).toEqual([403, "PermissionDenied"]);
    const bad = await dashboardCall(tb, { path: "/api/v1/tokens", method: "POST", admin: true, body: { scope: "root", ttlSeconds: 60 } });
    expect([bad.status, errorCode(bad.body)]).toEqual([400, "InvalidArgument"]);
    const cross = await dashboardCall(tb, { path: "/api/v1/logout", method: "POST", body: {}, cookie, headers: { origin: "https://evil.example" } });
    expect([cross.status, errorCode(cross.body)]).toEqual([403, "PermissionDenied"]);
    const victim = await mintDashboardToken(tb, "viewer");
    const revoked = await dashboardCall(tb, { path: `/api/v1/tokens/${victim.id}/revoke`, method: "POST", body: {}, cookie });
    expect(revoked.status).toBe(200);
    expect((await tb.store.getToken(victim.id))?.revoked).toBe(true);
  });

  it("ends a session when its token is revoked or expires", async () => {
    const viewer = await mintDashboardToken(tb, "viewer");
    const cookie = await signIn(tb, viewer.token);
    await tb.admin.revokeToken({ id: viewer.id });
    await waitUntil("the revoked token's session to be refused", async () => (await dashboardCall(tb, { path: "/api/v1/topology", cookie })).status === 401, 5_000);
    const reply = await dashboardCall(tb, { path: "/api/v1/topology", cookie });
    expect((reply.body as { error: { message: string } }).error.message).toMatch(/was revoked/);
    const again = await dashboardCall(tb, { path: "/api/v1/login", method: "POST", body: { token: viewer.token } });
    expect([again.status, errorCode(again.body)]).toEqual([401, "Unauthenticated"]);

    const short = await mintDashboardToken(tb, "viewer", 1);
    const shortCookie = await signIn(tb, short.token).catch(() => undefined);
    await waitUntil("the short token to expire", async () => (await dashboardCall(tb, { path: "/api/v1/login", method: "POST", body: { token: short.token } })).status === 401, 5_000);
    if (shortCookie !== undefined) expect((await dashboardCall(tb, { path: "/api/v1/topology", cookie: shortCookie })).status).toBe(401);
    const expired = await dashboardCall(tb, { path: "/api/v1/login", method: "POST", body: { token: short.token } });
    expect((expired.body as { error: { message: string } }).error.message).toMatch(/expired/);
  });

  it("answers a resumed TLS session (no certificate in it) by its cookie", async () => {
    const cookie = await signIn(tb, (await mintDashboardToken(tb, "viewer")).token);
    const agent = new Agent({ keepAlive: false, maxCachedSessions: 10 });
    const get = (): Promise<{ status: number; resumed: boolean }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: tb.broker.dashboardPort, servername: "localhost", path: "/api/v1/session", ca: tb.caPem, agent, headers: { cookie } }, (res) => {
          res.resume();
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, resumed: (res.socket as TLSSocket).isSessionReused() });
          });
        });
        req.on("error", reject);
        req.end();
      });
    const first = await get();
    const second = await get();
    expect(first).toEqual({ status: 200, resumed: false });
    expect(second).toEqual({ status: 200, resumed: true });
  });

  it("never lets a dashboard token join a cluster", async () => {
    const viewer = await mintDashboardToken(tb, "viewer");
    const err = await joinBroker({ address: tb.address, caPem: tb.caPem, token: viewer.token, clusterId: "sneaky" }).then(
      () => undefined,
      (e: unknown) => e as BrokerApiError,
    );
    expect(err?.message).toMatch(/dashboard token, not a join token/);
  });
});

describe("dashboard API: views", () => {
  it("serves topology, connections, services and events from the catalog, as the page derives them", async () => {
    const c = await Promise.all(["v1", "v2"].map(async (id) => tb.client(await tb.join(id))));
    const [a, b] = c as [NonNullable<(typeof c)[0]>, NonNullable<(typeof c)[0]>];
    await a.publish({ kind: "cluster", spec: specOf(41) });
    await b.publish({ kind: "cluster", spec: specOf(42) });
    await a.publish({ kind: "endpoint", records: [endpointOf("v1", "gw-1", 41)] });
    await a.publish({ kind: "connection", records: [connectionOf("v1", "v2")] });
    await b.publish({ kind: "connection", records: [{ ...connectionOf("v2", "v1"), status: "error", reason: "handshake timeout" }] });
    await b.publish({ kind: "export", records: [exportOf("v2", "web", "shop")] });
    const cookie = await signIn(tb, (await mintDashboardToken(tb, "viewer")).token);
    await waitUntil("the model to see the export", async () => ((await dashboardCall(tb, { path: "/api/v1/services", cookie })).body as { services: unknown[] }).services.length > 0, 5_000);
    const topo = (await dashboardCall(tb, { path: "/api/v1/topology", cookie })).body as { clusters: { id: string; activeGateway?: string; health: string }[]; links: unknown[] };
    expect(topo.clusters.filter((x) => x.id.startsWith("v"))).toEqual([
      expect.objectContaining({ id: "v1", activeGateway: "gw-1", health: "down" }),
      expect.objectContaining({ id: "v2", health: "down" }),
    ]);
    expect(topo.links).toContainEqual(expect.objectContaining({ a: "v1", b: "v2", status: "error", reason: "handshake timeout", driver: "vxlan" }));
    const matrix = (await dashboardCall(tb, { path: "/api/v1/connections", cookie })).body as { cells: unknown[] };
    expect(matrix.cells).toContainEqual(expect.objectContaining({ from: "v2", to: "v1", status: "error", rttAvgMs: 1, rttMaxMs: 1 }));
    const services = (await dashboardCall(tb, { path: "/api/v1/services", cookie })).body as { services: unknown[] };
    expect(services.services).toContainEqual(expect.objectContaining({ namespace: "shop", name: "web", dnsName: "web.shop.svc.clusterset.local", ports: ["80/TCP"] }));
    const events = ((await dashboardCall(tb, { path: "/api/v1/events", cookie })).body as { events: { type: string; text: string }[] }).events;
    expect(events).toContainEqual(expect.objectContaining({ type: "join", text: "Cluster v1 joined the clusterset" }));
    expect(events).toContainEqual(expect.objectContaining({ type: "status", text: "v2 → v1: new → error (handshake timeout)" }));
    expect(events).toContainEqual(expect.objectContaining({ type: "export", text: "v2 exports shop/web" }));
  });

  it("starts a stream with what the page lacks: the deltas after its revision, or a snapshot", async () => {
    const cookie = await signIn(tb, (await mintDashboardToken(tb, "viewer")).token);
    /** The first event of GET /api/v1/stream with `headers`. */
    const firstEvent = (path: string, headers: Record<string, string> = {}): Promise<{ event: string; id: string; data: unknown }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: tb.broker.dashboardPort, servername: "localhost", path, ca: tb.caPem, headers: { cookie, ...headers } }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => {
            text += c.toString();
            const block = /event: (\w+)\nid: (\d+)\ndata: (.*)\n\n/.exec(text);
            if (block?.[3] !== undefined) {
              resolve({ event: block[1] ?? "", id: block[2] ?? "", data: JSON.parse(block[3]) as unknown });
              req.destroy();
            }
          });
        });
        req.on("error", (err) => {
          if (!req.destroyed) reject(err);
        });
        req.end();
      });
    const snap = (await dashboardCall(tb, { path: "/api/v1/snapshot", cookie })).body as { revision: number };
    expect(await firstEvent(`/api/v1/stream?since=${snap.revision}`)).toEqual({ event: "delta", id: String(snap.revision), data: { revision: snap.revision, changes: [], events: [] } });
    const c = tb.client(await tb.join("resume1"));
    await c.publish({ kind: "cluster", spec: specOf(77) });
    await waitUntil("the model to pass the publish", async () => ((await dashboardCall(tb, { path: "/api/v1/snapshot", cookie })).body as { revision: number }).revision > snap.revision, 5_000);
    const resumed = await firstEvent("/api/v1/stream", { "last-event-id": String(snap.revision) });
    expect(resumed.event).toBe("delta");
    expect((resumed.data as { changes: { kind: string; key: string }[] }).changes).toContainEqual(expect.objectContaining({ kind: "cluster", key: "resume1" }));
    expect((await firstEvent("/api/v1/stream")).event).toBe("snapshot");
    expect((await firstEvent("/api/v1/stream?since=999999")).event).toBe("snapshot");
  });

  it("serves the page with a strict CSP and no data in it", async () => {
    const page = await dashboardCall(tb, { path: "/" });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'; script-src 'self'/);
    expect((await dashboardCall(tb, { path: "/assets/app.js" })).status).toBe(200);
  });
});
