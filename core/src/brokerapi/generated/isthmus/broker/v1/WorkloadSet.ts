// Original file: records.proto

import type { WorkloadPod as _isthmus_broker_v1_WorkloadPod, WorkloadPod__Output as _isthmus_broker_v1_WorkloadPod__Output } from '../../../isthmus/broker/v1/WorkloadPod.js';

/**
 * The pods of one namespace of one cluster, with their labels and the namespace's labels, so
 * that network policies of other clusters can name them (docs/adr/0406). Key "c1/<namespace>".
 */
export interface WorkloadSet {
  'clusterId'?: (string);
  'namespace'?: (string);
  'namespaceLabels'?: ({[key: string]: string});
  'pods'?: (_isthmus_broker_v1_WorkloadPod)[];
}

/**
 * The pods of one namespace of one cluster, with their labels and the namespace's labels, so
 * that network policies of other clusters can name them (docs/adr/0406). Key "c1/<namespace>".
 */
export interface WorkloadSet__Output {
  'clusterId': (string);
  'namespace': (string);
  'namespaceLabels': ({[key: string]: string});
  'pods': (_isthmus_broker_v1_WorkloadPod__Output)[];
}
