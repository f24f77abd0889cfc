/**
 * The mesh suite's own lab: three clusters of two nodes, c3 behind the lab's NAT router. Its
 * location is derived from the default lab's (`ISTHMUS_LAB_STATE_DIR`, `ISTHMUS_LAB_PREFIX`,
 * `ISTHMUS_LAB_PORT_BASE`), so two checkouts that moved their default lab apart also get mesh
 * labs apart, and the prefix does not start with the default one (a `lab down` of the shared lab
 * deletes every namespace with its prefix).
 */
import { defaultLabPrefix, defaultLabStateDir, defaultLocalPortBase, type LabLocation, type LabOptions, type LabPlan, planLab } from "@isthmus/lab";

/** Options of the mesh lab. */
export const meshLabOptions: LabOptions = Object.freeze({
  clusters: 3,
  nodesPerCluster: 2,
  natClusters: ["c3"],
  stateDir: `${defaultLabStateDir}-mesh`,
  namePrefix: `${defaultLabPrefix.replace(/-$/, "")}m-`,
  // The shared lab uses base + 1..4.
  localPortBase: defaultLocalPortBase + 10,
});

/** Where the mesh lab lives (for every verb and helper). */
export const meshLabLocation: LabLocation = Object.freeze({ stateDir: `${defaultLabStateDir}-mesh`, namePrefix: `${defaultLabPrefix.replace(/-$/, "")}m-` });

/** The mesh lab's plan. */
export const meshLabPlan: LabPlan = planLab(meshLabOptions);
