// Original file: records.proto


/**
 * A member cluster as the broker knows it.
 */
export interface Cluster {
  'id'?: (string);
  'podCidrs'?: (string)[];
  'serviceCidrs'?: (string)[];
  /**
   * The cluster's block of the global range, when it uses global addressing (set by the broker).
   */
  'globalCidr'?: (string);
  'labels'?: ({[key: string]: string});
  'joinedAt'?: (string);
  'lastSeen'?: (string);
  '_globalCidr'?: "globalCidr";
}

/**
 * A member cluster as the broker knows it.
 */
export interface Cluster__Output {
  'id': (string);
  'podCidrs': (string)[];
  'serviceCidrs': (string)[];
  /**
   * The cluster's block of the global range, when it uses global addressing (set by the broker).
   */
  'globalCidr'?: (string);
  'labels': ({[key: string]: string});
  'joinedAt': (string);
  'lastSeen': (string);
  '_globalCidr'?: "globalCidr";
}
