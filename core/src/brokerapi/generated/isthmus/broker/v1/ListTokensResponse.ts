// Original file: admin.proto

import type { TokenInfo as _isthmus_broker_v1_TokenInfo, TokenInfo__Output as _isthmus_broker_v1_TokenInfo__Output } from '../../../isthmus/broker/v1/TokenInfo.js';

export interface ListTokensResponse {
  'tokens'?: (_isthmus_broker_v1_TokenInfo)[];
}

export interface ListTokensResponse__Output {
  'tokens': (_isthmus_broker_v1_TokenInfo__Output)[];
}
