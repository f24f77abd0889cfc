// Original file: records.proto

import type { RttStats as _isthmus_broker_v1_RttStats, RttStats__Output as _isthmus_broker_v1_RttStats__Output } from '../../../isthmus/broker/v1/RttStats.js';

/**
 * One gateway's view of its tunnel to another cluster.
 */
export interface ConnectionStatus {
  'fromCluster'?: (string);
  'fromGateway'?: (string);
  'toCluster'?: (string);
  'toGateway'?: (string);
  /**
   * "connecting", "connected" or "error".
   */
  'status'?: (string);
  'reason'?: (string);
  'rtt'?: (_isthmus_broker_v1_RttStats | null);
  'lossRatio'?: (number | string);
  'lastChange'?: (string);
  '_toGateway'?: "toGateway";
  '_reason'?: "reason";
  '_lossRatio'?: "lossRatio";
}

/**
 * One gateway's view of its tunnel to another cluster.
 */
export interface ConnectionStatus__Output {
  'fromCluster': (string);
  'fromGateway': (string);
  'toCluster': (string);
  'toGateway'?: (string);
  /**
   * "connecting", "connected" or "error".
   */
  'status': (string);
  'reason'?: (string);
  'rtt': (_isthmus_broker_v1_RttStats__Output | null);
  'lossRatio'?: (number);
  'lastChange': (string);
  '_toGateway'?: "toGateway";
  '_reason'?: "reason";
  '_lossRatio'?: "lossRatio";
}
