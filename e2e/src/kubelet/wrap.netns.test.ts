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
