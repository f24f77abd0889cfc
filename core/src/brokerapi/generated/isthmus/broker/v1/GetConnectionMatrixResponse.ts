// Original file: admin.proto

import type { ConnectionStatus as _isthmus_broker_v1_ConnectionStatus, ConnectionStatus__Output as _isthmus_broker_v1_ConnectionStatus__Output } from '../../../isthmus/broker/v1/ConnectionStatus.js';

export interface GetConnectionMatrixResponse {
  'clusterIds'?: (string)[];
  'connections'?: (_isthmus_broker_v1_ConnectionStatus)[];
}

export interface GetConnectionMatrixResponse__Output {
  'clusterIds': (string)[];
  'connections': (_isthmus_broker_v1_ConnectionStatus__Output)[];
}
