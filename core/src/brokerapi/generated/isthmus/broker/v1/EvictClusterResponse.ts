// Original file: admin.proto

import type { Long } from '@grpc/proto-loader';

export interface EvictClusterResponse {
  'revision'?: (number | string | Long);
  'deleted'?: (number);
  'revokedCertificates'?: (number);
}

export interface EvictClusterResponse__Output {
  'revision': (number);
  'deleted': (number);
  'revokedCertificates': (number);
}
