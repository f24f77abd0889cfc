import { exportConditionTypes, exportReasons } from "./constants.js";
import type { ExportValidation } from "./export-record.js";
import type { MergedService } from "./merge.js";
import type { Condition } from "./types.js";

// The status conditions of a local ServiceExport (KEP-1645):
// - Valid: True/Valid, or False/NoService | False/InvalidServiceType;
// - Ready: True/Ready once the clusterset's merged view includes this cluster; False/Pending
//   until then; False/Failed when invalid or excluded by a type conflict;
// - Conflict: True with PortConflict and/or TypeConflict (comma-joined, as mcs-api allows), or
//   False/NoConflicts; absent while the export is invalid or not yet merged.
// - GlobalAddresses (ours, docs/adr/0206): False/GlobalBlockExhausted while the broker has no
//   global IP for the export (or for some of its pods: a Headless export stays Ready with the
//   others), with the broker's message naming the block; absent otherwise. An export left out
//   for it is Ready False/GlobalBlockExhausted instead of Pending.
// lastTransitionTime moves only when a condition's status changes.

/** Inputs of `exportConditions`. */
export interface ExportConditionInput {
  readonly validation: ExportValidation;
  readonly clusterId: string;
  /** The merged view from the broker, when the service has one. */
  readonly merged: MergedService | undefined;
  /** The conditions currently on the object. */
  readonly previous: readonly Condition[];
  /** The time to stamp on changed conditions (RFC 3339). */
  readonly now: string;
  /**
   * What the broker said at the last publish of an export short of global IPs (undefined: it has
   * all it needs, or the cluster holds no block); "unknown" before the first publish (a new
   * leader), which keeps what the object says.
   */
  readonly globalShortfall?: { readonly message: string } | "unknown";
}

/** The conditions a local ServiceExport should carry. */
export function exportConditions(input: ExportConditionInput): Condition[] {
  const { validation, clusterId, merged } = input;
  const make = (type: string, status: Condition["status"], reason: string, message: string): Condition => {
    const before = input.previous.find((c) => c.type === type);
    const lastTransitionTime = before?.status === status ? before.lastTransitionTime : input.now;
    return { type, status, reason, message, lastTransitionTime };
  };
  if (!validation.valid) {
    return [
      make(exportConditionTypes.valid, "False", validation.reason, validation.message),
      make(exportConditionTypes.ready, "False", exportReasons.failed, `The export is not valid: ${validation.message}`),
    ];
  }
  const conditions = [make(exportConditionTypes.valid, "True", exportReasons.valid, "The Service can be exported")];
  const before = input.previous.find((c) => c.type === exportConditionTypes.globalAddresses);
  const shortfall = input.globalShortfall === "unknown" ? (before?.status === "False" ? before.message : undefined) : input.globalShortfall?.message;
  const global = shortfall === undefined ? [] : [make(exportConditionTypes.globalAddresses, "False", exportReasons.globalBlockExhausted, shortfall)];
  const member = merged?.members.some((m) => m.clusterId === clusterId) === true;
  if (merged === undefined || (!member && !merged.conflicts.typeClusters.includes(clusterId))) {
    conditions.push(
      shortfall === undefined
        ? make(exportConditionTypes.ready, "False", exportReasons.pending, "Waiting for the export to reach the clusterset")
        : make(exportConditionTypes.ready, "False", exportReasons.globalBlockExhausted, shortfall),
    );
    return [...conditions, ...global];
  }
  conditions.push(
    member
      ? make(exportConditionTypes.ready, "True", exportReasons.ready, "The service is exported to the clusterset")
      : make(exportConditionTypes.ready, "False", exportReasons.failed, `Excluded from the import: ${merged.conflicts.message}`),
  );
  const reasons = [
    ...(merged.conflicts.portClusters.length > 0 ? [exportReasons.portConflict] : []),
    ...(merged.conflicts.typeClusters.length > 0 ? [exportReasons.typeConflict] : []),
  ];
  conditions.push(
    reasons.length === 0
      ? make(exportConditionTypes.conflict, "False", exportReasons.noConflicts, "All exports of the service agree")
      : make(exportConditionTypes.conflict, "True", reasons.join(","), merged.conflicts.message),
  );
  return [...conditions, ...global];
}
