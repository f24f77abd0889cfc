/**
 * The deployable components and where their manifests live. The YAML under `deploy/<dir>/` is
 * the single source of truth (docs/adr/0700-deploy-source-of-truth.md): `isthmus` loads it and
 * sets a small typed list of fields ({@link ManifestSettings}), and the Helm chart in
 * `deploy/helm/isthmus` is generated from the same objects with those fields as values.
 */
import { fileURLToPath } from "node:url";

/** The repository root (this file is `cli/{src,dist}/manifests/components.ts|js`). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** A deployable component: a folder of manifests under `deploy/`. */
export interface ComponentManifests {
  /** Name used in values (`<name>.enabled`) and in CLI messages. */
  readonly name: ComponentName;
  /** Folder under `deploy/` whose `*.yaml` files (sorted by name) are the source. */
  readonly dir: string;
  /** "hub": the broker's cluster; "member": every joined cluster. */
  readonly role: "hub" | "member";
  /** What it is, for `--help` and the chart's values comments. */
  readonly description: string;
}

/** Names of the components. */
export type ComponentName = "broker" | "cni" | "gateway" | "dns";

/** Every component, in the order join applies them (CRDs and RBAC come with each). */
export const components: readonly ComponentManifests[] = Object.freeze([
  { name: "broker", dir: "broker", role: "hub", description: "isthmus-broker (SQLite, one replica)" },
  { name: "cni", dir: "cni", role: "member", description: "isthmus-node: the pod network (CNI) on every node" },
  { name: "gateway", dir: "gateway", role: "member", description: "isthmus-gateway and isthmus-route-agent, Gateway CRD" },
  { name: "dns", dir: "dns", role: "member", description: "isthmus-dns: MCS controller and clusterset.local DNS, MCS CRDs" },
]);

/** The image repository every component image lives in: `isthmus/<component>:<tag>`. */
export const imageRepository = "isthmus";

/** Finds a component by name; throws listing the valid names. */
export function findComponent(name: string): ComponentManifests {
  const found = components.find((c) => c.name === name);
  if (found === undefined) throw new Error(`Unknown component "${name}": use ${components.map((c) => c.name).join(", ")}`);
  return found;
}
