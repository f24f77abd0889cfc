// Original file: records.proto


/**
 * One pod of a WorkloadSet.
 */
export interface WorkloadPod {
  'name'?: (string);
  /**
   * The pod's IPv4 address (status.podIP).
   */
  'ip'?: (string);
  'labels'?: ({[key: string]: string});
}

/**
 * One pod of a WorkloadSet.
 */
export interface WorkloadPod__Output {
  'name': (string);
  /**
   * The pod's IPv4 address (status.podIP).
   */
  'ip': (string);
  'labels': ({[key: string]: string});
}
