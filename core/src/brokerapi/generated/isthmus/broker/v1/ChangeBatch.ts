// Original file: agent.proto

import type { Change as _isthmus_broker_v1_Change, Change__Output as _isthmus_broker_v1_Change__Output } from '../../../isthmus/broker/v1/Change.js';
import type { Long } from '@grpc/proto-loader';

/**
 * All changes (of the watched kinds) of one revision, in order. After applying it the
 * watcher's revision is `revision`.
 */
export interface ChangeBatch {
  'revision'?: (number | string | Long);
  'changes'?: (_isthmus_broker_v1_Change)[];
}

/**
 * All changes (of the watched kinds) of one revision, in order. After applying it the
 * watcher's revision is `revision`.
 */
export interface ChangeBatch__Output {
  'revision': (number);
  'changes': (_isthmus_broker_v1_Change__Output)[];
}
