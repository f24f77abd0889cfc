// Original file: admin.proto


export interface CreateTokenRequest {
  'ttlSeconds'?: (number);
  'maxUses'?: (number);
  /**
   * When set, the token joins only this cluster id.
   */
  'clusterId'?: (string);
  'description'?: (string);
  '_clusterId'?: "clusterId";
}

export interface CreateTokenRequest__Output {
  'ttlSeconds': (number);
  'maxUses': (number);
  /**
   * When set, the token joins only this cluster id.
   */
  'clusterId'?: (string);
  'description': (string);
  '_clusterId'?: "clusterId";
}
