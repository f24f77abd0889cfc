// Original file: agent.proto

import type { UnaddressedExport as _isthmus_broker_v1_UnaddressedExport, UnaddressedExport__Output as _isthmus_broker_v1_UnaddressedExport__Output } from '../../../isthmus/broker/v1/UnaddressedExport.js';
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
  /**
   * KIND_EXPORT: the exports that got no global IP (or, Headless, not one for every pod) because
   * the cluster's global block is full; the others are stored (docs/adr/0206).
   */
  'unaddressed'?: (_isthmus_broker_v1_UnaddressedExport)[];
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
  /**
   * KIND_EXPORT: the exports that got no global IP (or, Headless, not one for every pod) because
   * the cluster's global block is full; the others are stored (docs/adr/0206).
   */
  'unaddressed': (_isthmus_broker_v1_UnaddressedExport__Output)[];
  '_globalCidr'?: "globalCidr";
}
