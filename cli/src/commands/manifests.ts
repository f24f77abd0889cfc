import { CliError, type Command, parseCommandArgs } from "../command.js";
import { components, findComponent } from "../manifests/components.js";
import { loadManifests } from "../manifests/load.js";
import { renderObject } from "../output.js";

const help = `Usage: isthmus manifests [--component NAME[,NAME]] [--image-tag TAG] [-o yaml|json]

Prints the objects isthmus applies, as one List: deploy/<component>/*.yaml with the fixed
normalisations (enableServiceLinks: false) and the typed settings. The Helm chart in
deploy/helm/isthmus is generated from the same objects (docs/adr/0700).

Components: ${components.map((c) => `${c.name} (${c.description})`).join("; ")}

Examples:
  isthmus manifests --component gateway,dns | kubectl apply --dry-run=server -f -
  isthmus manifests -o json --image-tag 0.2.0`;

/** \`isthmus manifests\`. */
export function createManifestsCommand(): Command {
  return {
    name: "manifests",
    summary: "Print the Kubernetes objects isthmus installs (from deploy/)",
    help,
    run(args, io) {
      const { values, positionals } = parseCommandArgs(args, { component: { type: "string" }, "image-tag": { type: "string" }, output: { type: "string", short: "o" } });
      if (positionals.length > 0) throw new CliError("UsageError", `Unexpected argument "${positionals[0] ?? ""}"`);
      const format = values.output ?? "yaml";
      if (format !== "yaml" && format !== "json") throw new CliError("UsageError", `-o must be yaml or json, got "${format}"`);
      const list = values.component === undefined ? components : values.component.split(",").map((n) => {
        try {
          return findComponent(n.trim());
        } catch (err) {
          throw new CliError("UsageError", err instanceof Error ? err.message : String(err));
        }
      });
      const items = loadManifests(list, values["image-tag"] === undefined ? {} : { imageTag: values["image-tag"] });
      io.stdout.write(renderObject(format, { apiVersion: "v1", kind: "List", items }));
      return Promise.resolve(0);
    },
  };
}
