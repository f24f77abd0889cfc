// Original file: records.proto


/**
 * A member cluster as the broker knows it.
 */
export interface Cluster {
  'id'?: (string);
  'podCidrs'?: (string)[];
  'serviceCidrs'?: (string)[];
  /**
   * Set by the broker when the clusterset has a global CIDR pool.
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
   * Set by the broker when the clusterset has a global CIDR pool.
   */
  'globalCidr'?: (string);
  'labels': ({[key: string]: string});
  'joinedAt': (string);
  'lastSeen': (string);
  '_globalCidr'?: "globalCidr";
}
