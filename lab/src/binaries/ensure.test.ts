import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheDirectory, ensureTool } from "./ensure.js";
import { pins } from "./pins.js";

let dir = "";

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isthmus-binaries-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function executable(path: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, "#!/bin/sh\n");
  await chmod(path, 0o755);
}

describe("ensureTool", () => {
  it("uses a prebuilt binary from ISTHMUS_K8S_BIN without building", async () => {
    await executable(join(dir, "prebuilt", "helm"));
    const lines: string[] = [];
    const path = await ensureTool("helm", { env: { ISTHMUS_K8S_BIN: join(dir, "prebuilt"), ISTHMUS_CACHE_DIR: join(dir, "cache"), PATH: "/nonexistent" }, onProgress: (l) => lines.push(l) });
    expect(path).toBe(join(dir, "prebuilt", "helm"));
    expect(lines).toEqual([]);
  });

  it("uses the cached build of the pinned version", async () => {
    const cached = join(dir, "cache", "bin", `helm-${pins.helm}`, "helm");
    await executable(cached);
    expect(await ensureTool("helm", { env: { ISTHMUS_CACHE_DIR: join(dir, "cache"), PATH: "/nonexistent" } })).toBe(cached);
  });

  it("says how to get Go when there is none to build with", async () => {
    const lines: string[] = [];
    const built = ensureTool("helm", { env: { ISTHMUS_CACHE_DIR: join(dir, "cache"), HOME: dir, PATH: "/nonexistent" }, onProgress: (l) => lines.push(l) });
    await expect(built).rejects.toMatchObject({ code: "GoMissing", message: expect.stringMatching(/no "go" command on the PATH.*Go 1\.24 or later.*go\.dev\/dl/) as unknown });
    expect(lines).toEqual([`building helm (helm-${pins.helm}) from the Go module proxy; the first build takes minutes`]);
  });
});

describe("cacheDirectory", () => {
  it("is ISTHMUS_CACHE_DIR when set, else ~/.cache/isthmus", () => {
    expect(cacheDirectory({ ISTHMUS_CACHE_DIR: "/c", HOME: "/h" })).toBe("/c");
    expect(cacheDirectory({ HOME: "/h" })).toBe("/h/.cache/isthmus");
  });
});
