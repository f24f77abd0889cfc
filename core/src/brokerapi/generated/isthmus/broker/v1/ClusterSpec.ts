// Original file: records.proto

import type { GlobalEgressIp as _isthmus_broker_v1_GlobalEgressIp, GlobalEgressIp__Output as _isthmus_broker_v1_GlobalEgressIp__Output } from '../../../isthmus/broker/v1/GlobalEgressIp.js';

/**
 * What an agent publishes about its own cluster; the broker adds the rest.
 */
export interface ClusterSpec {
  'podCidrs'?: (string)[];
  'serviceCidrs'?: (string)[];
  'labels'?: ({[key: string]: string});
  /**
   * Asks for global addressing (a block of the broker's global range; docs/adr/0206). Once a
   * cluster holds a block it keeps it until it is removed, whatever later publishes say.
   */
  'global'?: (boolean);
  /**
   * A specific block to hold (implies global); refused when outside the range, held by another
   * cluster or overlapping a member's CIDRs.
   */
  'globalCidr'?: (string);
  /**
   * The prefix length of the block to allocate (implies global; default: the broker's).
   */
  'globalPrefix'?: (number);
  /**
   * The cluster's GlobalEgressIP resources (docs/adr/0206): each gets an address of the block.
   */
  'globalEgress'?: (_isthmus_broker_v1_GlobalEgressIp)[];
  '_globalCidr'?: "globalCidr";
  '_globalPrefix'?: "globalPrefix";
}

/**
 * What an agent publishes about its own cluster; the broker adds the rest.
 */
export interface ClusterSpec__Output {
  'podCidrs': (string)[];
  'serviceCidrs': (string)[];
  'labels': ({[key: string]: string});
  /**
   * Asks for global addressing (a block of the broker's global range; docs/adr/0206). Once a
   * cluster holds a block it keeps it until it is removed, whatever later publishes say.
   */
  'global': (boolean);
  /**
   * A specific block to hold (implies global); refused when outside the range, held by another
   * cluster or overlapping a member's CIDRs.
   */
  'globalCidr'?: (string);
  /**
   * The prefix length of the block to allocate (implies global; default: the broker's).
   */
  'globalPrefix'?: (number);
  /**
   * The cluster's GlobalEgressIP resources (docs/adr/0206): each gets an address of the block.
   */
  'globalEgress': (_isthmus_broker_v1_GlobalEgressIp__Output)[];
  '_globalCidr'?: "globalCidr";
  '_globalPrefix'?: "globalPrefix";
}
