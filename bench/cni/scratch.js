// Scratch network namespaces for the netns benchmarks (bench/cni, bench/policy, bench/egress):
// numbered options, a run tag, namespaces named isthmus-test-cni-<label>-<role>-<tag> (the
// prefix the test cleanup knows), a work dir, and everything removed when the process exits.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Starts a scratch set for benchmark `label` (e.g. "bench"). Children pushed onto `children`
 * are killed and every namespace made by `addNs` is deleted at exit, with the work dir.
 */
export function createScratch(label) {
  const tag = randomBytes(3).toString("hex");
  const created = [];
  const children = [];
  const work = mkdtempSync(join(tmpdir(), `isthmus-test-cni-${label}-`));
  const sh = (argv, netns) => {
    const full = netns === undefined ? argv : ["ip", "netns", "exec", netns, ...argv];
    return execFileSync(full[0], full.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  };
  process.on("exit", () => {
    for (const c of children) c.kill();
    for (const name of created.reverse()) spawnSync("ip", ["netns", "del", name]);
    rmSync(work, { recursive: true, force: true });
  });
  return {
    ns: (role) => `isthmus-test-cni-${label}-${role}-${tag}`,
    work,
    children,
    sh,
    addNs(name) {
      sh(["ip", "netns", "add", name]);
      created.push(name);
      sh(["ip", "link", "set", "lo", "up"], name);
    },
  };
}
