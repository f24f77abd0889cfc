import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wrapArgv } from "./wrap.js";

describe("the mount wrapper as root", () => {
  it("shows the bind-mounted file only to the wrapped process", async () => {
    if (process.getuid?.() !== 0) throw new Error("wrap.netns.test.ts needs root (mount namespaces)");
    const dir = await mkdtemp(join(tmpdir(), "isthmus-wrap-"));
    try {
      await writeFile(join(dir, "src"), "from-pod\n");
      await writeFile(join(dir, "dst"), "original\n");
      const argv = wrapArgv(["cat", join(dir, "dst")], { mounts: [{ source: join(dir, "src"), target: join(dir, "dst"), readOnly: true }] });
      const [file = "", ...args] = argv;
      expect(execFileSync(file, args, { encoding: "utf8" })).toBe("from-pod\n");
      expect(execFileSync("cat", [join(dir, "dst")], { encoding: "utf8" })).toBe("original\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("mount propagation into a running pod", () => {
  it("shows mounts the node makes later under a shared mount (new netns files), never the other way", async () => {
    if (process.getuid?.() !== 0) throw new Error("wrap.netns.test.ts needs root (mount namespaces)");
    const dir = await mkdtemp(join(tmpdir(), "isthmus-wrap-prop-"));
    try {
      // Everything happens in a throwaway mount namespace: `dir` plays the node's shared /run/netns.
      const pod = wrapArgv(["sh", "-c", `sleep 0.5; cat ${dir}/later/file; mkdir -p ${dir}/podside && mount -t tmpfs pod ${dir}/podside`], { mounts: [] });
      const script = [
        `mount --bind ${dir} ${dir} && mount --make-shared ${dir}`,
        '"$@" & pid=$!',
        `sleep 0.1; mkdir -p ${dir}/later && mount -t tmpfs node ${dir}/later && echo visible > ${dir}/later/file`,
        "wait $pid",
        `grep -c " ${dir}/podside " /proc/self/mountinfo || true`,
      ].join("\n");
      const out = execFileSync("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", ...pod], { encoding: "utf8" });
      expect(out).toBe("visible\n0\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
