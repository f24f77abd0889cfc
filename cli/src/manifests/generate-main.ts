// Rewrites deploy/helm/isthmus from deploy/<component>/*.yaml: `node cli/dist/manifests/generate-main.js`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { chartDir, generateChart } from "./chart.js";
import { repoRoot } from "./components.js";

const root = join(repoRoot, chartDir);
rmSync(join(root, "templates"), { recursive: true, force: true });
for (const [path, content] of generateChart()) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
process.stdout.write(`wrote ${readdirSync(join(root, "templates")).length} templates to ${chartDir}\n`);
