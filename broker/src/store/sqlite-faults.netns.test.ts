// The SQLite store on a volume that fills up, or that is read-only (issue #22). Needs root (it
// mounts a small tmpfs), hence the root-only `netns` project. Every refused write is a clear
// StoreFailed that changes nothing; the database stays intact and a reopened store carries on.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../catalog.js";
import { exportsOf } from "../testing/records.js";
import { createSqliteStore } from "./sqlite.js";

let dir: string;
beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("this test mounts a tmpfs: run it as root");
  dir = await mkdtemp(join(tmpdir(), "isthmus-sqlite-faults-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir]);
});
afterAll(async () => {
  execFileSync("umount", ["-l", dir]);
  await rm(dir, { recursive: true, force: true });
});

/** Fills the volume: writes 64 KiB chunks until the file system refuses. */
async function fill(path: string): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let i = 0; i < 1_000; i++) {
    try {
      await writeFile(path, chunk, { flag: "a" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOSPC") return;
      throw err;
    }
  }
  throw new Error("the volume never filled up");
}

function integrity(path: string): unknown {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.pragma("integrity_check", { simple: true });
  } finally {
    db.close();
  }
}

describe("SQLite on a full or read-only volume", () => {
  it("refuses writes on a full disk with a clear error, changes nothing, and carries on once there is room", async () => {
    const path = join(dir, "full.db");
    let store = createSqliteStore({ path });
    const publish = (n: number) => createCatalog({ store }).publish("c1", { kind: "export", records: exportsOf("c1", 200, n) });
    const acknowledged = (await publish(0)).revision;
    await fill(join(dir, "filler"));
    const err = await publish(1000).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "StoreFailed", message: expect.stringMatching(/SQLite commit failed: database or disk is full/) as unknown });
    expect(store.revision()).toBe(acknowledged);
    await store.close();
    await unlink(join(dir, "filler"));
    expect(integrity(path)).toBe("ok");
    store = createSqliteStore({ path });
    expect(store.revision()).toBe(acknowledged);
    expect((await store.snapshot(["export"])).records.map((r) => (r.value as { name: string }).name).sort()).toEqual(exportsOf("c1", 200, 0).map((e) => e.name).sort());
    expect((await publish(2000)).revision).toBe(acknowledged + 1);
    await store.close();
  });

  it("refuses to start on a read-only volume with a clear error, and starts again, intact, once it is writable", async () => {
    // A volume cannot turn read-only under an open writer (the kernel refuses while files are
    // open for writing), so the read-only case is a broker (re)started on one.
    const path = join(dir, "ro.db");
    let store = createSqliteStore({ path });
    const publish = (n: number) => createCatalog({ store }).publish("c1", { kind: "export", records: exportsOf("c1", 5, n) });
    const acknowledged = (await publish(0)).revision;
    await store.close();
    execFileSync("mount", ["-o", "remount,ro", dir]);
    try {
      expect(() => createSqliteStore({ path })).toThrow(expect.objectContaining({ code: "StoreFailed", message: expect.stringMatching(/Cannot open SQLite store .*ro\.db: .*\(the volume holding .* is read-only\)/) as unknown }));
    } finally {
      execFileSync("mount", ["-o", "remount,rw", dir]);
    }
    expect(integrity(path)).toBe("ok");
    store = createSqliteStore({ path });
    expect(store.revision()).toBe(acknowledged);
    expect((await publish(2)).revision).toBe(acknowledged + 1);
    await store.close();
  });
});
