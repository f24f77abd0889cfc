import { readFile } from "node:fs/promises";
import { CliError, type Command, parseCommandArgs } from "../command.js";
import { components, findComponent } from "../manifests/components.js";
import { loadManifests, type ManifestObject } from "../manifests/load.js";
import { parseChartValues, renderInstall } from "../manifests/values.js";
import { renderObject } from "../output.js";

const help = `Usage: isthmus manifests [--component NAME[,NAME]] [--image-tag TAG] [-o yaml|json]
       isthmus manifests --values FILE [-o yaml|json]

Prints the objects isthmus applies, as one List: deploy/<component>/*.yaml with the fixed
normalisations (enableServiceLinks: false) and the typed settings. The Helm chart in
deploy/helm/isthmus is generated from the same objects (docs/adr/0700).

With --values, FILE is a values file of that chart (merged over its values.yaml as Helm does):
the output is the objects "helm template -f FILE deploy/helm/isthmus" renders, without Helm.

Components: ${components.map((c) => `${c.name} (${c.description})`).join("; ")}

Examples:
  isthmus manifests --component gateway,dns | kubectl apply --dry-run=server -f -
  isthmus manifests -o json --image-tag 0.2.0
  isthmus manifests --values member-values.yaml | kubectl apply --server-side -f -`;

function componentObjects(values: { component?: string; "image-tag"?: string }): ManifestObject[] {
  const list = values.component === undefined ? components : values.component.split(",").map((n) => {
    try {
      return findComponent(n.trim());
    } catch (err) {
      throw new CliError("UsageError", err instanceof Error ? err.message : String(err));
    }
  });
  return loadManifests(list, values["image-tag"] === undefined ? {} : { imageTag: values["image-tag"] });
}

async function valuesObjects(file: string): Promise<ManifestObject[]> {
  const text = await readFile(file, "utf8").catch((err: unknown) => {
    throw new CliError("Failed", `Cannot read the values file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  return renderInstall(parseChartValues(text, file));
}

/** \`isthmus manifests\`. */
export function createManifestsCommand(): Command {
  return {
    name: "manifests",
    help,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(args, { component: { type: "string" }, "image-tag": { type: "string" }, values: { type: "string" }, output: { type: "string", short: "o" } });
      if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
      const format = values.output ?? "yaml";
      if (format !== "yaml" && format !== "json") throw new CliError("UsageError", `-o must be yaml or json, got "${format}"`);
      if (values.values !== undefined && (values.component !== undefined || values["image-tag"] !== undefined)) {
        throw new CliError("UsageError", "--values sets the components and the image tag itself: leave out --component and --image-tag");
      }
      const items = values.values === undefined ? componentObjects(values) : await valuesObjects(values.values);
      io.stdout.write(renderObject(format, { apiVersion: "v1", kind: "List", items }));
      return 0;
    },
  };
}
