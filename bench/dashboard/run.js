// Dashboard benchmark (issue #19): page weight and speed of the broker's dashboard in Debian's
// chromium (driven by playwright-core), against a real broker on loopback with simulated
// clusters joined and publishing over the real gRPC API (a full mesh of connection statuses).
//
// Measured, each over --loads cold loads (fresh browser context, signed in by cookie):
// - baseline: the login page (shell HTML, CSS, scripts, TLS; no data): navigation start until
//   the sign-in form is shown;
// - first load at 3 and at N clusters: navigation start until the topology shows every cluster;
// - switching to the connection matrix at N clusters (N² cells);
// - update latency at N clusters: from the start of a gateway's publish turning a connection to
//   error (or back) until the page shows it, without a reload (--probes times);
// - weight: the shell (HTML + CSS + scripts) and the stream's first message (the snapshot), raw
//   and gzip as served.
// Needs a build (`npx tsc -b broker`) and chromium (`apt-get install chromium`).
//
//   node bench/dashboard/run.js [--clusters 100] [--loads 5] [--probes 10]
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { numberArg } from "../args.js";
import { launchChromium } from "../../broker/dist/testing/browser.js";
import { simulateClusterset } from "../../broker/dist/testing/clusterset.js";
import { mintDashboardToken, signIn } from "../../broker/dist/testing/dashboard.js";
import { startTestBroker } from "../../broker/dist/testing/harness.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const clusters = numberArg("clusters", 100, { max: 10_000 });
const loads = numberArg("loads", 5, { max: 100 });
const probes = numberArg("probes", 10, { max: 1000 });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const max = (xs) => Math.max(...xs);

/** GET with the session cookie; returns the bytes on the wire and decoded. */
function fetchBytes(tb, path, cookie, gzip) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: tb.broker.dashboardPort, servername: "localhost", path, ca: tb.caPem, headers: { cookie, ...(gzip ? { "accept-encoding": "gzip" } : {}) } },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const wire = Buffer.concat(chunks);
          if (res.statusCode !== 200) {
            reject(new Error(`GET ${path}: ${res.statusCode} ${wire.toString("utf8").slice(0, 200)}`));
            return;
          }
          resolve({ wire: wire.length, raw: res.headers["content-encoding"] === "gzip" ? gunzipSync(wire).length : wire.length });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function weight(tb, cookie) {
  const out = {};
  for (const [name, path] of [["html", "/"], ["css", "/assets/style.css"], ["app.js", "/assets/app.js"], ["views.js", "/assets/views.js"], ["render.js", "/assets/render.js"], ["dom.js", "/assets/dom.js"], ["types.js", "/assets/types.js"], ["snapshot", "/api/v1/snapshot"]]) {
    const plain = await fetchBytes(tb, path, cookie, false);
    const zipped = await fetchBytes(tb, path, cookie, true);
    out[name] = { raw: plain.raw, gzip: zipped.wire };
  }
  return out;
}

/** A fresh context holding the session cookie, with an observer that stamps when `ready()` first holds. */
async function newPage(browser, cookie) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
  if (cookie !== undefined) {
    const [name, ...value] = cookie.split("=");
    await context.addCookies([{ name, value: value.join("="), domain: "localhost", path: "/", secure: true, httpOnly: true, sameSite: "Strict" }]);
  }
  const page = await context.newPage();
  return { context, page };
}

/** Milliseconds from navigation start until `selectorCount` elements match (in-page clock). */
async function timeLoad(browser, port, cookie, selector, count) {
  const { context, page } = await newPage(browser, cookie);
  await page.addInitScript(
    ([sel, n]) => {
      const check = () => {
        if (globalThis.__ready === undefined && document.querySelectorAll(sel).length >= n) globalThis.__ready = performance.now();
      };
      new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
    },
    [selector, count],
  );
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`https://localhost:${port}/`);
  try {
    await page.waitForFunction(() => globalThis.__ready !== undefined, undefined, { timeout: 60_000, polling: 50 });
  } catch (err) {
    const state = await page.evaluate(() => [document.body.dataset.rendered, document.getElementById("conn")?.textContent, document.querySelectorAll("[data-cluster]").length]);
    throw new Error(`page not ready (${selector} x ${count}): ${JSON.stringify(state)} ${errors.join("; ")}`, { cause: err });
  }
  const ms = await page.evaluate(() => globalThis.__ready);
  await context.close();
  return ms;
}

async function run() {
  const browser = await launchChromium();
  const result = { clusters, loads, probes, date: new Date().toISOString(), loadAverageBefore: loadavg()[0], rows: {} };
  try {
    // Baseline and 3 clusters on one broker, N clusters on another.
    const small = await startTestBroker();
    await simulateClusterset(small, 3);
    const smallCookie = await signIn(small, (await mintDashboardToken(small, "viewer")).token);
    const big = await startTestBroker();
    const t0 = performance.now();
    const cs = await simulateClusterset(big, clusters);
    result.setupSeconds = (performance.now() - t0) / 1000;
    const bigCookie = await signIn(big, (await mintDashboardToken(big, "viewer")).token);
    // Warm-up: one load each (chromium's first start in a process pays for more than the page).
    await timeLoad(browser, small.broker.dashboardPort, undefined, "#login:not([hidden])", 1);
    await timeLoad(browser, big.broker.dashboardPort, bigCookie, "[data-cluster]", clusters);

    const series = { baseline: [], small: [], big: [] };
    for (let i = 0; i < loads; i++) {
      series.baseline.push(await timeLoad(browser, small.broker.dashboardPort, undefined, "#login:not([hidden])", 1));
      series.small.push(await timeLoad(browser, small.broker.dashboardPort, smallCookie, "[data-cluster]", 3));
      series.big.push(await timeLoad(browser, big.broker.dashboardPort, bigCookie, "[data-cluster]", clusters));
    }

    // Matrix switch and update latency at N clusters on one open page.
    const { context, page } = await newPage(browser, bigCookie);
    await page.goto(`https://localhost:${big.broker.dashboardPort}/`);
    await page.waitForFunction((n) => document.querySelectorAll("[data-cluster]").length === n, clusters, { timeout: 60_000 });
    const matrix = [];
    for (let i = 0; i < loads; i++) {
      await page.click("#tab-topology");
      await page.waitForSelector('body[data-rendered^="topology@"]', { state: "attached" });
      const start = Date.now();
      await page.click("#tab-matrix");
      await page.waitForSelector('body[data-rendered^="matrix@"]', { state: "attached" });
      matrix.push(Date.now() - start);
    }
    await page.click("#tab-topology");
    await page.waitForSelector('body[data-rendered^="topology@"]', { state: "attached" });
    const updates = [];
    const [from, to] = [cs.ids[0], cs.ids[1]];
    for (let i = 0; i < probes; i++) {
      const status = i % 2 === 0 ? "error" : "connected";
      await page.evaluate(
        ([sel]) => {
          globalThis.__seen = undefined;
          const check = () => {
            if (globalThis.__seen === undefined && document.querySelector(sel) !== null) globalThis.__seen = Date.now();
          };
          globalThis.__observer?.disconnect();
          globalThis.__observer = new MutationObserver(check);
          globalThis.__observer.observe(document, { subtree: true, childList: true, attributes: true });
        },
        // The cluster's mark: healthy links are not drawn at this size, the mark always is.
        [`[data-cluster="${from}"][data-health="${status === "error" ? "degraded" : "healthy"}"]`],
      );
      const start = Date.now();
      await cs.setConnection(from, to, status, status === "error" ? "bench probe" : undefined);
      await page.waitForFunction(() => globalThis.__seen !== undefined, undefined, { timeout: 30_000, polling: 20 });
      updates.push((await page.evaluate(() => globalThis.__seen)) - start);
    }
    await context.close();

    result.weight = { small: await weight(small, smallCookie), big: await weight(big, bigCookie) };
    result.rows = {
      baseline: { what: "login page, no data (baseline)", ms: series.baseline },
      small: { what: "first load, 3 clusters", ms: series.small },
      big: { what: `first load, ${clusters} clusters`, ms: series.big },
      matrix: { what: `switch to matrix, ${clusters}×${clusters}`, ms: matrix },
      update: { what: `update seen after publish, ${clusters} clusters`, ms: updates },
    };
    await small.stop({ remove: true });
    await big.stop({ remove: true });
  } finally {
    await browser.close();
  }
  return result;
}

const result = await run();
result.loadAverageAfter = loadavg()[0];
const shell = (w) => ["html", "css", "app.js", "views.js", "render.js", "dom.js", "types.js"].reduce((s, k) => ({ raw: s.raw + w[k].raw, gzip: s.gzip + w[k].gzip }), { raw: 0, gzip: 0 });
result.weight.shell = shell(result.weight.big);
const kb = (n) => (n / 1024).toFixed(1);
console.log(`\nDashboard at ${clusters} clusters (${clusters * (clusters - 1)} connection statuses), ${loads} cold loads, ${probes} update probes; setup ${result.setupSeconds.toFixed(1)} s; 1-min load average ${result.loadAverageBefore.toFixed(1)} before, ${result.loadAverageAfter.toFixed(1)} after (2 cores)`);
console.log("| measurement | median ms | max ms |");
console.log("|---|---|---|");
for (const row of Object.values(result.rows)) console.log(`| ${row.what} | ${median(row.ms).toFixed(0)} | ${max(row.ms).toFixed(0)} |`);
console.log("\n| weight | raw KiB | gzip KiB (as served) |");
console.log("|---|---|---|");
console.log(`| shell: HTML + CSS + scripts | ${kb(result.weight.shell.raw)} | ${kb(result.weight.shell.gzip)} |`);
for (const k of ["app.js", "render.js", "views.js", "dom.js", "css", "html"]) console.log(`| ${k} | ${kb(result.weight.big[k].raw)} | ${kb(result.weight.big[k].gzip)} |`);
console.log(`| snapshot, 3 clusters | ${kb(result.weight.small.snapshot.raw)} | ${kb(result.weight.small.snapshot.gzip)} |`);
console.log(`| snapshot, ${clusters} clusters | ${kb(result.weight.big.snapshot.raw)} | ${kb(result.weight.big.snapshot.gzip)} |`);
mkdirSync(join(repo, "bench/results"), { recursive: true });
writeFileSync(join(repo, "bench/results/dashboard.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log("wrote bench/results/dashboard.json");
