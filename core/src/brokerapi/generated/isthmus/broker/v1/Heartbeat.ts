// Original file: agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'revision'?: (number | string | Long);
  'serverTime'?: (string);
}

export interface Heartbeat__Output {
  'revision': (number);
  'serverTime': (string);
}
