// Original file: records.proto

import type { Cluster as _isthmus_broker_v1_Cluster, Cluster__Output as _isthmus_broker_v1_Cluster__Output } from '../../../isthmus/broker/v1/Cluster.js';
import type { GatewayEndpoint as _isthmus_broker_v1_GatewayEndpoint, GatewayEndpoint__Output as _isthmus_broker_v1_GatewayEndpoint__Output } from '../../../isthmus/broker/v1/GatewayEndpoint.js';
import type { ServiceExport as _isthmus_broker_v1_ServiceExport, ServiceExport__Output as _isthmus_broker_v1_ServiceExport__Output } from '../../../isthmus/broker/v1/ServiceExport.js';
import type { ConnectionStatus as _isthmus_broker_v1_ConnectionStatus, ConnectionStatus__Output as _isthmus_broker_v1_ConnectionStatus__Output } from '../../../isthmus/broker/v1/ConnectionStatus.js';
import type { WorkloadSet as _isthmus_broker_v1_WorkloadSet, WorkloadSet__Output as _isthmus_broker_v1_WorkloadSet__Output } from '../../../isthmus/broker/v1/WorkloadSet.js';

/**
 * Any one record.
 */
export interface Record {
  'cluster'?: (_isthmus_broker_v1_Cluster | null);
  'endpoint'?: (_isthmus_broker_v1_GatewayEndpoint | null);
  'export'?: (_isthmus_broker_v1_ServiceExport | null);
  'connection'?: (_isthmus_broker_v1_ConnectionStatus | null);
  'workload'?: (_isthmus_broker_v1_WorkloadSet | null);
  'value'?: "cluster"|"endpoint"|"export"|"connection"|"workload";
}

/**
 * Any one record.
 */
export interface Record__Output {
  'cluster'?: (_isthmus_broker_v1_Cluster__Output | null);
  'endpoint'?: (_isthmus_broker_v1_GatewayEndpoint__Output | null);
  'export'?: (_isthmus_broker_v1_ServiceExport__Output | null);
  'connection'?: (_isthmus_broker_v1_ConnectionStatus__Output | null);
  'workload'?: (_isthmus_broker_v1_WorkloadSet__Output | null);
  'value'?: "cluster"|"endpoint"|"export"|"connection"|"workload";
}
