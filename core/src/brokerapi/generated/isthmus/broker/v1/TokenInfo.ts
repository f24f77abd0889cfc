// Original file: admin.proto


export interface TokenInfo {
  'id'?: (string);
  'description'?: (string);
  'clusterId'?: (string);
  'createdAt'?: (string);
  'expiresAt'?: (string);
  'uses'?: (number);
  'maxUses'?: (number);
  'revoked'?: (boolean);
  '_clusterId'?: "clusterId";
}

export interface TokenInfo__Output {
  'id': (string);
  'description': (string);
  'clusterId'?: (string);
  'createdAt': (string);
  'expiresAt': (string);
  'uses': (number);
  'maxUses': (number);
  'revoked': (boolean);
  '_clusterId'?: "clusterId";
}
