// Original file: agent.proto

import type { Kind as _isthmus_broker_v1_Kind, Kind__Output as _isthmus_broker_v1_Kind__Output } from '../../../isthmus/broker/v1/Kind.js';
import type { ClusterSpec as _isthmus_broker_v1_ClusterSpec, ClusterSpec__Output as _isthmus_broker_v1_ClusterSpec__Output } from '../../../isthmus/broker/v1/ClusterSpec.js';
import type { GatewayEndpoint as _isthmus_broker_v1_GatewayEndpoint, GatewayEndpoint__Output as _isthmus_broker_v1_GatewayEndpoint__Output } from '../../../isthmus/broker/v1/GatewayEndpoint.js';
import type { ServiceExport as _isthmus_broker_v1_ServiceExport, ServiceExport__Output as _isthmus_broker_v1_ServiceExport__Output } from '../../../isthmus/broker/v1/ServiceExport.js';
import type { ConnectionStatus as _isthmus_broker_v1_ConnectionStatus, ConnectionStatus__Output as _isthmus_broker_v1_ConnectionStatus__Output } from '../../../isthmus/broker/v1/ConnectionStatus.js';
import type { WorkloadSet as _isthmus_broker_v1_WorkloadSet, WorkloadSet__Output as _isthmus_broker_v1_WorkloadSet__Output } from '../../../isthmus/broker/v1/WorkloadSet.js';

export interface PublishRequest {
  'kind'?: (_isthmus_broker_v1_Kind);
  /**
   * KIND_CLUSTER: the caller's cluster.
   */
  'cluster'?: (_isthmus_broker_v1_ClusterSpec | null);
  /**
   * KIND_ENDPOINT: all gateway endpoints of the caller's cluster.
   */
  'endpoints'?: (_isthmus_broker_v1_GatewayEndpoint)[];
  /**
   * KIND_EXPORT: all exports of the caller's cluster.
   */
  'exports'?: (_isthmus_broker_v1_ServiceExport)[];
  /**
   * KIND_CONNECTION: all connection statuses reported by the caller's cluster.
   */
  'connections'?: (_isthmus_broker_v1_ConnectionStatus)[];
  /**
   * KIND_WORKLOAD: the pods of every namespace the caller's cluster shares, one set per namespace.
   */
  'workloads'?: (_isthmus_broker_v1_WorkloadSet)[];
}

export interface PublishRequest__Output {
  'kind': (_isthmus_broker_v1_Kind__Output);
  /**
   * KIND_CLUSTER: the caller's cluster.
   */
  'cluster': (_isthmus_broker_v1_ClusterSpec__Output | null);
  /**
   * KIND_ENDPOINT: all gateway endpoints of the caller's cluster.
   */
  'endpoints': (_isthmus_broker_v1_GatewayEndpoint__Output)[];
  /**
   * KIND_EXPORT: all exports of the caller's cluster.
   */
  'exports': (_isthmus_broker_v1_ServiceExport__Output)[];
  /**
   * KIND_CONNECTION: all connection statuses reported by the caller's cluster.
   */
  'connections': (_isthmus_broker_v1_ConnectionStatus__Output)[];
  /**
   * KIND_WORKLOAD: the pods of every namespace the caller's cluster shares, one set per namespace.
   */
  'workloads': (_isthmus_broker_v1_WorkloadSet__Output)[];
}
