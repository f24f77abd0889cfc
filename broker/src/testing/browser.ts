import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { repoRoot } from "./build.js";

/** Debian's chromium (package `chromium`, in .ci/debian-packages); CHROMIUM_PATH overrides. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Where browser tests write screenshots (ISTHMUS_ARTIFACTS_DIR overrides). */
export const artifactsDir = process.env.ISTHMUS_ARTIFACTS_DIR ?? join(repoRoot, "broker/test-results/dashboard");

/** Launches headless chromium; fails (never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  try {
    await access(chromiumPath);
  } catch (err) {
    throw new Error(`Chromium is not at ${chromiumPath}: apt-get install chromium (see .ci/debian-packages) or set CHROMIUM_PATH`, { cause: err });
  }
  await mkdir(artifactsDir, { recursive: true });
  // --no-sandbox: CI runs the tests as root, where chromium refuses its sandbox.
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

/** Opens the dashboard in a fresh context (no cookies; trusts the test broker's self-made CA by ignoring certificate errors). */
export async function openDashboard(browser: Browser, port: number | undefined): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`https://localhost:${port ?? 0}/`);
  return page;
}

/** Signs in through the login form and waits for the first rendered view. */
export async function signInPage(page: Page, token: string): Promise<void> {
  await page.locator("#login").waitFor({ state: "visible" });
  await page.fill("#token", token);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("body[data-rendered]", { state: "attached" });
}

/** Shows `view` (by its tab) and waits until it has been drawn at the page's current revision. */
export async function showView(page: Page, view: "topology" | "matrix" | "services" | "tokens" | "events"): Promise<void> {
  await page.click(`#tab-${view}`);
  await page.locator(`body[data-rendered^="${view}@"]`).waitFor({ state: "attached" });
}
