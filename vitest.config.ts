import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import sibling packages from source, so a suite never waits for (or trips over) a build:
// every entry of a package's `exports` map (`@isthmus/lab`, `@isthmus/lab/testing`, …) maps to
// the source file its built file comes from (`./dist/x/index.js` → `<pkg>/src/x/index.ts`).
const packages = ["core", "broker", "gateway", "dns", "cni", "lab", "cli"];
const alias = packages.flatMap((p) => {
  const manifest = JSON.parse(readFileSync(new URL(`./${p}/package.json`, import.meta.url), "utf8")) as {
    exports: Record<string, { default: string }>;
  };
  return Object.entries(manifest.exports).map(([entry, target]) => ({
    find: new RegExp(`^@isthmus/${p}${entry === "." ? "" : entry.slice(1).replaceAll("/", "\\/")}$`),
    replacement: fileURLToPath(new URL(`./${p}/${target.default.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")}`, import.meta.url)),
  }));
});

// Three projects, one command (`npm test` runs them all):
// - unit:  pure logic, no root, fast; `npm run check` runs only these.
// - netns: `*.netns.test.ts`, need root (network namespaces, netlink, nft); they fail loudly,
//          never skip, when not run as root.
// - lab:   `*.lab.test.ts` (the lab's own in lab/, the end-to-end suites in e2e/), share one lab
//          brought up by a global setup.
export default defineConfig({
  resolve: { alias },
  test: {
    // expect.poll waits on a condition; its 1 s default deadline is tight on a loaded 2-core CI
    // machine (a watch snapshot took longer once). A test that needs another deadline says so.
    expect: { poll: { timeout: 10_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["*/src/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**", "**/*.netns.test.ts", "**/*.lab.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "netns",
          include: ["*/src/**/*.netns.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          globalSetup: ["lab/src/testing/wireguard-go-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "lab",
          include: ["{lab,e2e}/src/**/*.lab.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          globalSetup: ["lab/src/testing/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
