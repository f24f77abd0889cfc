// Original file: admin.proto

import type { Cluster as _isthmus_broker_v1_Cluster, Cluster__Output as _isthmus_broker_v1_Cluster__Output } from '../../../isthmus/broker/v1/Cluster.js';
import type { GatewayEndpoint as _isthmus_broker_v1_GatewayEndpoint, GatewayEndpoint__Output as _isthmus_broker_v1_GatewayEndpoint__Output } from '../../../isthmus/broker/v1/GatewayEndpoint.js';
import type { ConnectionStatus as _isthmus_broker_v1_ConnectionStatus, ConnectionStatus__Output as _isthmus_broker_v1_ConnectionStatus__Output } from '../../../isthmus/broker/v1/ConnectionStatus.js';

export interface GetClusterResponse {
  'cluster'?: (_isthmus_broker_v1_Cluster | null);
  'endpoints'?: (_isthmus_broker_v1_GatewayEndpoint)[];
  'exportCount'?: (number);
  'connections'?: (_isthmus_broker_v1_ConnectionStatus)[];
}

export interface GetClusterResponse__Output {
  'cluster': (_isthmus_broker_v1_Cluster__Output | null);
  'endpoints': (_isthmus_broker_v1_GatewayEndpoint__Output)[];
  'exportCount': (number);
  'connections': (_isthmus_broker_v1_ConnectionStatus__Output)[];
}
