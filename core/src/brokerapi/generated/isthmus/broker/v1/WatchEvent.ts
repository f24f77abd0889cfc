// Original file: agent.proto

import type { SnapshotChunk as _isthmus_broker_v1_SnapshotChunk, SnapshotChunk__Output as _isthmus_broker_v1_SnapshotChunk__Output } from '../../../isthmus/broker/v1/SnapshotChunk.js';
import type { ChangeBatch as _isthmus_broker_v1_ChangeBatch, ChangeBatch__Output as _isthmus_broker_v1_ChangeBatch__Output } from '../../../isthmus/broker/v1/ChangeBatch.js';
import type { Heartbeat as _isthmus_broker_v1_Heartbeat, Heartbeat__Output as _isthmus_broker_v1_Heartbeat__Output } from '../../../isthmus/broker/v1/Heartbeat.js';

export interface WatchEvent {
  'snapshot'?: (_isthmus_broker_v1_SnapshotChunk | null);
  'changes'?: (_isthmus_broker_v1_ChangeBatch | null);
  'heartbeat'?: (_isthmus_broker_v1_Heartbeat | null);
  'event'?: "snapshot"|"changes"|"heartbeat";
}

export interface WatchEvent__Output {
  'snapshot'?: (_isthmus_broker_v1_SnapshotChunk__Output | null);
  'changes'?: (_isthmus_broker_v1_ChangeBatch__Output | null);
  'heartbeat'?: (_isthmus_broker_v1_Heartbeat__Output | null);
  'event'?: "snapshot"|"changes"|"heartbeat";
}
