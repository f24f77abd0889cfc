/**
 * The CNI interop suite's own lab: three clusters of two nodes, each on another pod network —
 * c1 on isthmus-cni, c2 on flannel (its own manifest: VXLAN backend, `--ip-masq`), c3 on the
 * reference `bridge` + `host-local` plugins with the bridge's `ipMasq: true` (as the CNI
 * documentation's example has it). Its location is derived from the default lab's like the mesh
 * lab's (./mesh/lab.ts): its own state directory, a prefix that does not start with the default
 * one, port base + 30.
 */
import { defaultLabPrefix, defaultLabStateDir, defaultLocalPortBase, type LabLocation, type LabOptions, type LabPlan, planLab } from "@isthmus/lab";

const stateDir = `${defaultLabStateDir}-interop`;
const namePrefix = `${defaultLabPrefix.replace(/-$/, "")}i-`;

/** Options of the interop lab. */
export const interopLabOptions: LabOptions = Object.freeze({
  clusters: 3,
  nodesPerCluster: 2,
  podNetwork: Object.freeze({ c1: "isthmus", c2: "flannel", c3: "reference-masq" } as const),
  stateDir,
  namePrefix,
  // The shared lab uses base + 1..4, the mesh lab base + 11..13.
  localPortBase: defaultLocalPortBase + 30,
});

/** Where the interop lab lives (for every verb and helper). */
export const interopLabLocation: LabLocation = Object.freeze({ stateDir, namePrefix });

/** The interop lab's plan. */
export const interopLabPlan: LabPlan = planLab(interopLabOptions);
