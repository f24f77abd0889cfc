import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import sibling packages from source, so a suite never waits for (or trips over) a build.
const packages = ["core", "broker", "gateway", "dns", "cni", "cli", "e2e"];
const alias = Object.fromEntries(
  packages.map((p) => [`@isthmus/${p}`, fileURLToPath(new URL(`./${p}/src/index.ts`, import.meta.url))]),
);

// Three projects, one command (`npm test` runs them all):
// - unit:  pure logic, no root, fast; `npm run check` runs only these.
// - netns: `*.netns.test.ts`, need root (network namespaces, netlink, nft); they fail loudly,
//          never skip, when not run as root.
// - lab:   `e2e/src/**/*.lab.test.ts`, share one lab brought up by a global setup.
export default defineConfig({
  resolve: { alias },
  test: {
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
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "lab",
          include: ["e2e/src/**/*.lab.test.ts"],
          exclude: ["**/node_modules/**", "**/dist/**"],
          globalSetup: ["e2e/src/lab/testing/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
