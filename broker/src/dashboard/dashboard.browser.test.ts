import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifactsDir, launchChromium, openDashboard, showView, signInPage } from "../testing/browser.js";
import { ensureBrokerBuilt } from "../testing/build.js";
import { simulateClusterset, type SimulatedClusterset } from "../testing/clusterset.js";
import { mintDashboardToken } from "../testing/dashboard.js";
import { startTestBroker, type TestBroker } from "../testing/harness.js";
import { waitUntil } from "../testing/processes.js";

// Real chromium (Debian's package) driven by playwright-core, against a real broker on loopback
// with simulated agents publishing over the real gRPC API. Waits are on conditions with
// generous deadlines; speed is measured by bench/dashboard, never asserted here.

const views = ["topology", "matrix", "services", "events"] as const;
let browser: Browser;
beforeAll(async () => {
  await ensureBrokerBuilt();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser.close();
});

describe("dashboard in chromium, 3 clusters", () => {
  let tb: TestBroker;
  let cs: SimulatedClusterset;
  let viewerPage: Page;
  let viewerId: string;
  beforeAll(async () => {
    tb = await startTestBroker();
    cs = await simulateClusterset(tb, 3);
  }, 60_000);
  afterAll(async () => {
    await tb.stop({ remove: true });
  });

  it("shows the login page, never data, for a wrong or an expired token", async () => {
    const page = await openDashboard(browser, tb.broker.dashboardPort);
    await page.locator("#login").waitFor({ state: "visible" });
    await page.fill("#token", `isthmus_0123456789abcdef.${"A".repeat(43)}`);
    await page.click("#login button[type=submit]");
    await expect.poll(() => page.textContent("#login-error")).toMatch(/unknown token/);
    const short = await mintDashboardToken(tb, "viewer", 1);
    await waitUntil("the 1 s token to expire", async () => (await tb.store.getToken(short.id))?.expiresAt !== undefined && Date.now() > Date.parse((await tb.store.getToken(short.id))?.expiresAt ?? ""), 5_000);
    await page.fill("#token", short.token);
    await page.click("#login button[type=submit]");
    await expect.poll(() => page.textContent("#login-error")).toMatch(/expired/);
    expect(await page.isVisible("#login")).toBe(true);
    expect(await page.isVisible("#tabs")).toBe(false);
    expect(await page.locator("[data-cluster]").count()).toBe(0);
    const status = await page.evaluate(async () => (await fetch("/api/v1/snapshot")).status);
    expect(status).toBe(401);
    await page.screenshot({ path: join(artifactsDir, "login-3.png") });
    await page.context().close();
  }, 30_000);

  it("shows every cluster and connection in the topology and the matrix, keyboard-navigable; a viewer has no tokens", async () => {
    const viewer = await mintDashboardToken(tb, "viewer");
    viewerId = viewer.id;
    viewerPage = await openDashboard(browser, tb.broker.dashboardPort);
    await signInPage(viewerPage, viewer.token);
    const page = viewerPage;
    await expect.poll(() => page.locator("[data-cluster]").count()).toBe(3);
    const attrs = async (selector: string, names: readonly string[]): Promise<string[]> =>
      Promise.all((await page.locator(selector).all()).map(async (l) => (await Promise.all(names.map((n) => l.getAttribute(n)))).join(" ")));
    expect(await attrs("[data-cluster]", ["data-cluster"])).toEqual(cs.ids);
    expect(await attrs("[data-link]", ["data-link", "data-status"])).toEqual([
      "c1|c2 connected",
      "c1|c3 connected",
      "c2|c3 connected",
    ]);
    expect(await page.textContent("#topology-summary")).toBe("3 clusters, 3 links: 3 connected, 0 connecting, 0 in error.");
    await page.focus('[data-cluster="c2"]');
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#cluster-detail")).toContain("Cluster c2");
    const detail = (await page.textContent("#cluster-detail")) ?? "";
    expect(detail).toContain("10.2.0.0/16");
    expect(detail).toContain("c2-gw-1 (active)");
    expect(await page.isHidden("#tab-tokens")).toBe(true);
    expect(await page.evaluate(async () => (await fetch("/api/v1/tokens")).status)).toBe(403);
    expect(await page.evaluate(async () => (await fetch("/api/v1/tokens/0123456789abcdef/revoke", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status)).toBe(403);
    await page.focus("#tab-topology");
    await page.keyboard.press("ArrowRight");
    await page.locator('body[data-rendered^="matrix@"]').waitFor({ state: "attached" });
    expect(await page.getAttribute('[data-cell="c1|c2"]', "data-status")).toBe("connected");
    expect(await page.textContent("#problems")).toContain("All 6 reported connections are connected.");
  }, 30_000);

  it("turns a connection to error without a reload, and lists an export in services", async () => {
    const page = viewerPage;
    await page.evaluate(() => {
      (globalThis as unknown as { marker: number }).marker = 42;
    });
    await showView(page, "topology");
    await cs.setConnection("c1", "c2", "error", "handshake timeout");
    await page.waitForSelector('[data-link="c1|c2"][data-status="error"]', { timeout: 10_000 });
    expect(await page.getAttribute('[data-cluster="c1"]', "data-health")).toBe("degraded");
    await page.screenshot({ path: join(artifactsDir, "topology-3-error.png") });
    await showView(page, "matrix");
    expect(await page.getAttribute('[data-cell="c1|c2"]', "data-status")).toBe("error");
    expect(await page.textContent('[data-pair="c1|c2"]')).toContain("handshake timeout");
    await showView(page, "services");
    await cs.exportService("c3", "shop", "web");
    await page.waitForSelector('[data-service="shop/web"]', { timeout: 10_000 });
    expect(await page.textContent('[data-service="shop/web"]')).toContain("web.shop.svc.clusterset.local");
    await showView(page, "events");
    await expect.poll(() => page.textContent("#events")).toContain("c1 → c2: connected → error (handshake timeout)");
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42);
    for (const view of views) {
      await showView(page, view);
      await page.screenshot({ path: join(artifactsDir, `${view}-3.png`) });
    }
  }, 30_000);

  it("keeps every visible text at a contrast of at least 4.5:1 (WCAG AA) in every view", async () => {
    for (const view of views) {
      await showView(viewerPage, view);
      const { checked, low } = await viewerPage.evaluate(lowContrastTexts);
      expect(low, view).toEqual([]);
      expect(checked, view).toBeGreaterThan(10);
    }
  });

  it("lets a dashboard admin see and revoke tokens; the revoked viewer's page signs out", async () => {
    const admin = await mintDashboardToken(tb, "admin");
    const page = await openDashboard(browser, tb.broker.dashboardPort);
    await signInPage(page, admin.token);
    expect(await page.isVisible("#tab-tokens")).toBe(true);
    await showView(page, "tokens");
    await page.waitForSelector(`[data-token="${viewerId}"]`);
    await page.screenshot({ path: join(artifactsDir, "tokens-3.png") });
    await page.click(`[data-token="${viewerId}"] button`);
    await expect.poll(() => page.textContent(`[data-token="${viewerId}"]`)).toContain("revoked");
    await viewerPage.locator("#login").waitFor({ state: "visible", timeout: 15_000 });
    expect(await viewerPage.textContent("#login-error")).toMatch(/revoked/);
    expect(await viewerPage.isVisible("#tabs")).toBe(false);
    expect(await viewerPage.locator("[data-cluster]").count()).toBe(0);
    await viewerPage.reload();
    await viewerPage.locator("#login").waitFor({ state: "visible" });
    await page.context().close();
  }, 30_000);

  it("says so when its connection to the broker is lost", async () => {
    const viewer = await mintDashboardToken(tb, "viewer");
    const page = await openDashboard(browser, tb.broker.dashboardPort);
    await signInPage(page, viewer.token);
    expect(await page.isVisible("#lost")).toBe(false);
    await tb.broker.stop(500);
    await page.locator("#lost").waitFor({ state: "visible", timeout: 15_000 });
    expect(await page.textContent("#conn")).toBe("Connection lost");
    await page.screenshot({ path: join(artifactsDir, "lost-3.png") });
    await page.context().close();
  }, 30_000);
});

describe("dashboard in chromium, 100 clusters", () => {
  let tb: TestBroker;
  let cs: SimulatedClusterset;
  beforeAll(async () => {
    tb = await startTestBroker();
    cs = await simulateClusterset(tb, 100);
  }, 180_000);
  afterAll(async () => {
    await tb.stop({ remove: true });
  });

  it("draws all 100 clusters and every view, and writes a screenshot of each", async () => {
    const page = await openDashboard(browser, tb.broker.dashboardPort);
    await signInPage(page, (await mintDashboardToken(tb, "admin")).token);
    await expect.poll(() => page.locator("[data-cluster]").count(), { timeout: 30_000 }).toBe(100);
    expect(await page.textContent("#topology-summary")).toBe("100 clusters, 4950 links: 4950 connected, 0 connecting, 0 in error.");
    await page.screenshot({ path: join(artifactsDir, "topology-100.png") });
    await page.check("#show-healthy");
    await expect.poll(() => page.locator("[data-link]").count(), { timeout: 30_000 }).toBe(4950);
    await page.screenshot({ path: join(artifactsDir, "topology-100-all-links.png") });
    await page.uncheck("#show-healthy");
    await page.click('[data-cluster="c17"] circle');
    await expect.poll(() => page.textContent("#cluster-detail")).toContain("Cluster c17");
    await page.screenshot({ path: join(artifactsDir, "topology-100-selected.png") });
    for (let i = 1; i <= 20; i++) await cs.exportService(`c${i}`, "shop", "web");
    await cs.exportService("c5", "ops", "metrics");
    for (const view of ["matrix", "services", "tokens", "events"] as const) {
      await showView(page, view);
      if (view === "services") await expect.poll(() => page.textContent('[data-service="shop/web"]')).toContain("c20 (10.96.0.10)");
      await page.screenshot({ path: join(artifactsDir, `${view}-100.png`) });
    }
    expect(await page.locator("#matrix td[data-cell]").count()).toBe(9900);
    expect(await page.locator('#events li[data-event="join"]').count()).toBe(100);
    // Problems stand out at this size: links not connected are drawn, with their clusters' marks.
    await showView(page, "topology");
    await cs.setConnection("c3", "c40", "error", "handshake timeout");
    await cs.setConnection("c71", "c12", "connecting");
    await page.waitForSelector('[data-link="c3|c40"][data-status="error"]', { timeout: 10_000 });
    await page.waitForSelector('[data-link="c12|c71"][data-status="connecting"]', { timeout: 10_000 });
    expect(await page.textContent("#topology-summary")).toBe("100 clusters, 4950 links: 4948 connected, 1 connecting, 1 in error.");
    await page.click('[data-cluster="c40"] circle');
    await expect.poll(() => page.textContent("#cluster-detail")).toContain("Cluster c40");
    await page.screenshot({ path: join(artifactsDir, "topology-100-problems.png") });
    await page.context().close();
  }, 120_000);
});

interface Styled {
  readonly tagName: string;
  readonly textContent: string | null;
  readonly parentElement: Styled | null;
  readonly childNodes: ArrayLike<{ readonly nodeType: number; readonly textContent: string | null }>;
  getClientRects(): ArrayLike<unknown>;
}

/** Runs in the page: how many visible texts it checked, and those below 4.5:1 against their background ("tag: text ratio"). */
function lowContrastTexts(): { checked: number; low: string[] } {
  const page = globalThis as unknown as {
    document: { querySelectorAll(s: string): ArrayLike<Styled> };
    getComputedStyle(e: Styled): { color: string; backgroundColor: string; visibility: string };
  };
  const rgba = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
  const lum = (c: number[]): number => {
    const [r = 0, g = 0, b = 0] = c.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (e: Styled | null): number[] => {
    for (let x = e; x !== null; x = x.parentElement) {
      const c = rgba(page.getComputedStyle(x).backgroundColor);
      if (c.length >= 3 && (c[3] ?? 1) > 0) return c;
    }
    return [255, 255, 255];
  };
  const out: string[] = [];
  let checked = 0;
  for (const e of Array.from(page.document.querySelectorAll("body *"))) {
    const ownText = Array.from(e.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? "").trim() !== "");
    if (!ownText || e.getClientRects().length === 0 || page.getComputedStyle(e).visibility !== "visible" || e.tagName === "text") continue;
    checked++;
    const [l1, l2] = [lum(rgba(page.getComputedStyle(e).color)), lum(background(e))];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) out.push(`${e.tagName}: ${(e.textContent ?? "").slice(0, 40)} ${ratio.toFixed(2)}`);
  }
  return { checked, low: out };
}
