// Original file: records.proto

import type { GlobalEgressIp as _isthmus_broker_v1_GlobalEgressIp, GlobalEgressIp__Output as _isthmus_broker_v1_GlobalEgressIp__Output } from '../../../isthmus/broker/v1/GlobalEgressIp.js';

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
  /**
   * The cluster's GlobalEgressIP resources and their addresses (set by the broker).
   */
  'globalEgress'?: (_isthmus_broker_v1_GlobalEgressIp)[];
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
  /**
   * The cluster's GlobalEgressIP resources and their addresses (set by the broker).
   */
  'globalEgress': (_isthmus_broker_v1_GlobalEgressIp__Output)[];
  '_globalCidr'?: "globalCidr";
}
