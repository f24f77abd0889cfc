// Original file: agent.proto

import type { Kind as _isthmus_broker_v1_Kind, Kind__Output as _isthmus_broker_v1_Kind__Output } from '../../../isthmus/broker/v1/Kind.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  /**
   * Kinds to receive; empty means all.
   */
  'kinds'?: (_isthmus_broker_v1_Kind)[];
  /**
   * 0: start with a snapshot. N: resume with the changes after revision N (a snapshot flagged
   * `compacted` if N is older than the compaction horizon).
   */
  'sinceRevision'?: (number | string | Long);
}

export interface WatchRequest__Output {
  /**
   * Kinds to receive; empty means all.
   */
  'kinds': (_isthmus_broker_v1_Kind__Output)[];
  /**
   * 0: start with a snapshot. N: resume with the changes after revision N (a snapshot flagged
   * `compacted` if N is older than the compaction horizon).
   */
  'sinceRevision': (number);
}
