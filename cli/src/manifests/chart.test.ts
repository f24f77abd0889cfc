import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartDir, generateChart } from "./chart.js";
import { components, repoRoot } from "./components.js";
import { loadManifests, podSpecOf } from "./load.js";

describe("the Helm chart generated from deploy/", () => {
  const files = generateChart();

  it("is committed and up to date (run node cli/dist/manifests/generate-main.js)", () => {
    for (const [path, content] of files) {
      const file = join(repoRoot, chartDir, path);
      expect(existsSync(file), `${chartDir}/${path} is missing`).toBe(true);
      expect(readFileSync(file, "utf8"), `${chartDir}/${path} is stale`).toBe(content);
    }
    const committed = readdirSync(join(repoRoot, chartDir, "templates")).map((f) => `templates/${f}`);
    expect(committed.sort()).toEqual([...files.keys()].filter((p) => p.startsWith("templates/")).sort());
  });

  it("templates every isthmus image and gates every component", () => {
    for (const c of components) {
      const text = files.get(`templates/${c.name}.yaml`) ?? "";
      expect(text).toContain(`{{- if .Values.${c.name}.enabled }}`);
      expect(text).not.toMatch(/image: isthmus\//);
    }
    expect(files.get("values.yaml")).toMatch(/workloads:/);
  });

  it("has the same objects as the CLI applies, and every pod disables service links", () => {
    const objects = loadManifests(components);
    const workloads = objects.filter((o) => podSpecOf(o) !== undefined);
    expect(workloads.map((o) => o.metadata?.name).sort()).toEqual(["isthmus-broker", "isthmus-dns", "isthmus-gateway", "isthmus-node", "isthmus-route-agent"]);
    for (const w of workloads) expect(podSpecOf(w)?.enableServiceLinks).toBe(false);
    const all = [...files.values()].join("\n");
    for (const o of objects) expect(all, `${o.kind} ${o.metadata?.name ?? ""}`).toContain(`name: ${o.metadata?.name ?? ""}`);
  });
});
