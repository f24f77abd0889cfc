// Original file: admin.proto

import type { Cluster as _isthmus_broker_v1_Cluster, Cluster__Output as _isthmus_broker_v1_Cluster__Output } from '../../../isthmus/broker/v1/Cluster.js';

export interface ListClustersResponse {
  'clusters'?: (_isthmus_broker_v1_Cluster)[];
}

export interface ListClustersResponse__Output {
  'clusters': (_isthmus_broker_v1_Cluster__Output)[];
}
