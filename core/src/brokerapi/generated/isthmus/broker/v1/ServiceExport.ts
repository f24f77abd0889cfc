// Original file: records.proto

import type { ServicePort as _isthmus_broker_v1_ServicePort, ServicePort__Output as _isthmus_broker_v1_ServicePort__Output } from '../../../isthmus/broker/v1/ServicePort.js';
import type { ServiceEndpoint as _isthmus_broker_v1_ServiceEndpoint, ServiceEndpoint__Output as _isthmus_broker_v1_ServiceEndpoint__Output } from '../../../isthmus/broker/v1/ServiceEndpoint.js';

/**
 * A service exported by one cluster (MCS, KEP-1645).
 */
export interface ServiceExport {
  'clusterId'?: (string);
  'namespace'?: (string);
  'name'?: (string);
  /**
   * "ClusterSetIP" or "Headless".
   */
  'type'?: (string);
  'ports'?: (_isthmus_broker_v1_ServicePort)[];
  /**
   * ClusterSetIP only.
   */
  'clusterIp'?: (string);
  /**
   * Headless only.
   */
  'endpoints'?: (_isthmus_broker_v1_ServiceEndpoint)[];
  'createdAt'?: (string);
  /**
   * ClusterSetIP only, set by the broker when the exporting cluster holds a global block: the
   * address other clusters reach the service at (docs/adr/0206). What an agent sends is ignored.
   */
  'globalIp'?: (string);
  '_clusterIp'?: "clusterIp";
  '_globalIp'?: "globalIp";
}

/**
 * A service exported by one cluster (MCS, KEP-1645).
 */
export interface ServiceExport__Output {
  'clusterId': (string);
  'namespace': (string);
  'name': (string);
  /**
   * "ClusterSetIP" or "Headless".
   */
  'type': (string);
  'ports': (_isthmus_broker_v1_ServicePort__Output)[];
  /**
   * ClusterSetIP only.
   */
  'clusterIp'?: (string);
  /**
   * Headless only.
   */
  'endpoints': (_isthmus_broker_v1_ServiceEndpoint__Output)[];
  'createdAt': (string);
  /**
   * ClusterSetIP only, set by the broker when the exporting cluster holds a global block: the
   * address other clusters reach the service at (docs/adr/0206). What an agent sends is ignored.
   */
  'globalIp'?: (string);
  '_clusterIp'?: "clusterIp";
  '_globalIp'?: "globalIp";
}
