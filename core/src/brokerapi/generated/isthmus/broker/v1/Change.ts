// Original file: agent.proto

import type { ChangeType as _isthmus_broker_v1_ChangeType, ChangeType__Output as _isthmus_broker_v1_ChangeType__Output } from '../../../isthmus/broker/v1/ChangeType.js';
import type { Kind as _isthmus_broker_v1_Kind, Kind__Output as _isthmus_broker_v1_Kind__Output } from '../../../isthmus/broker/v1/Kind.js';
import type { Record as _isthmus_broker_v1_Record, Record__Output as _isthmus_broker_v1_Record__Output } from '../../../isthmus/broker/v1/Record.js';

export interface Change {
  'type'?: (_isthmus_broker_v1_ChangeType);
  'kind'?: (_isthmus_broker_v1_Kind);
  /**
   * The record's key within its kind, e.g. "c1", "c1/gw-1", "c1/ns/svc", "c1/gw-1/c2".
   */
  'key'?: (string);
  /**
   * The new value for PUT; the old value for DELETE.
   */
  'record'?: (_isthmus_broker_v1_Record | null);
}

export interface Change__Output {
  'type': (_isthmus_broker_v1_ChangeType__Output);
  'kind': (_isthmus_broker_v1_Kind__Output);
  /**
   * The record's key within its kind, e.g. "c1", "c1/gw-1", "c1/ns/svc", "c1/gw-1/c2".
   */
  'key': (string);
  /**
   * The new value for PUT; the old value for DELETE.
   */
  'record': (_isthmus_broker_v1_Record__Output | null);
}
