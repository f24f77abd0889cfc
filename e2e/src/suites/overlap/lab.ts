/**
 * The overlap suite's own lab: three clusters of two nodes, c1 and c2 with identical pod and
 * service CIDRs (c1's), c3 with its own. Its location is derived from the default lab's like the
 * mesh lab's (e2e/src/suites/mesh/lab.ts): its own state directory, a name prefix that does not
 * start with the default one, and its own apiserver ports (the shared lab uses base + 1..4, the
 * mesh lab base + 10..).
 */
import { defaultLabPrefix, defaultLabStateDir, defaultLocalPortBase, type LabLocation, type LabOptions, type LabPlan, planLab } from "@isthmus/lab";

const stateDir = `${defaultLabStateDir}-overlap`;
const namePrefix = `${defaultLabPrefix.replace(/-$/, "")}o-`;

/** Options of the overlap lab. */
export const overlapLabOptions: LabOptions = Object.freeze({
  clusters: 3,
  nodesPerCluster: 2,
  overlap: ["c1", "c2"],
  stateDir,
  namePrefix,
  localPortBase: defaultLocalPortBase + 20,
});

/** Where the overlap lab lives (for every verb and helper). */
export const overlapLabLocation: LabLocation = Object.freeze({ stateDir, namePrefix });

/** The overlap lab's plan. */
export const overlapLabPlan: LabPlan = planLab(overlapLabOptions);
