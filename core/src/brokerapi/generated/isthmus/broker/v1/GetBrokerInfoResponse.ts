// Original file: admin.proto

import type { Long } from '@grpc/proto-loader';

export interface GetBrokerInfoResponse {
  'version'?: (string);
  'store'?: (string);
  'revision'?: (number | string | Long);
  'compactedRevision'?: (number | string | Long);
  'clusters'?: (number);
  'globalCidrPool'?: (string);
  'caFingerprintSha256'?: (string);
  'startedAt'?: (string);
  'watchers'?: (number);
  '_globalCidrPool'?: "globalCidrPool";
}

export interface GetBrokerInfoResponse__Output {
  'version': (string);
  'store': (string);
  'revision': (number);
  'compactedRevision': (number);
  'clusters': (number);
  'globalCidrPool'?: (string);
  'caFingerprintSha256': (string);
  'startedAt': (string);
  'watchers': (number);
  '_globalCidrPool'?: "globalCidrPool";
}
