import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generatedDir, listGeneratedFiles, renderBrokerApi } from "./codegen.js";

describe("generated broker API", () => {
  it("is up to date with the .proto files (run `npm run generate -w core` if this fails)", async () => {
    const rendered = await renderBrokerApi();
    expect(await listGeneratedFiles()).toEqual([...rendered.keys()]);
    for (const [path, content] of rendered) {
      expect(await readFile(join(generatedDir, path), "utf8"), path).toBe(content);
    }
  });
});
