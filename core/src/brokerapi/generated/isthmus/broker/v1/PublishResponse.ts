// Original file: agent.proto

import type { Long } from '@grpc/proto-loader';

export interface PublishResponse {
  /**
   * The revision of this publish; the current revision when nothing changed.
   */
  'revision'?: (number | string | Long);
  'created'?: (number);
  'updated'?: (number);
  'deleted'?: (number);
  /**
   * KIND_CLUSTER: the cluster's block of the global range, when it uses global addressing.
   */
  'globalCidr'?: (string);
  '_globalCidr'?: "globalCidr";
}

export interface PublishResponse__Output {
  /**
   * The revision of this publish; the current revision when nothing changed.
   */
  'revision': (number);
  'created': (number);
  'updated': (number);
  'deleted': (number);
  /**
   * KIND_CLUSTER: the cluster's block of the global range, when it uses global addressing.
   */
  'globalCidr'?: (string);
  '_globalCidr'?: "globalCidr";
}
