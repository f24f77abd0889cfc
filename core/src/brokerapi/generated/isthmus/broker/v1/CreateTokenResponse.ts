// Original file: admin.proto

import type { TokenInfo as _isthmus_broker_v1_TokenInfo, TokenInfo__Output as _isthmus_broker_v1_TokenInfo__Output } from '../../../isthmus/broker/v1/TokenInfo.js';

export interface CreateTokenResponse {
  /**
   * The secret, shown only here; the broker stores a hash.
   */
  'token'?: (string);
  'info'?: (_isthmus_broker_v1_TokenInfo | null);
}

export interface CreateTokenResponse__Output {
  /**
   * The secret, shown only here; the broker stores a hash.
   */
  'token': (string);
  'info': (_isthmus_broker_v1_TokenInfo__Output | null);
}
