// Original file: agent.proto

import type { Record as _isthmus_broker_v1_Record, Record__Output as _isthmus_broker_v1_Record__Output } from '../../../isthmus/broker/v1/Record.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The state at `revision`, sent in chunks; apply it (replacing all state of the watched
 * kinds) when `last` is set.
 */
export interface SnapshotChunk {
  'revision'?: (number | string | Long);
  'records'?: (_isthmus_broker_v1_Record)[];
  'last'?: (boolean);
  /**
   * The requested revision was compacted away.
   */
  'compacted'?: (boolean);
  /**
   * The watcher fell behind (slow consumer) and is being reset.
   */
  'reset'?: (boolean);
}

/**
 * The state at `revision`, sent in chunks; apply it (replacing all state of the watched
 * kinds) when `last` is set.
 */
export interface SnapshotChunk__Output {
  'revision': (number);
  'records': (_isthmus_broker_v1_Record__Output)[];
  'last': (boolean);
  /**
   * The requested revision was compacted away.
   */
  'compacted': (boolean);
  /**
   * The watcher fell behind (slow consumer) and is being reset.
   */
  'reset': (boolean);
}
