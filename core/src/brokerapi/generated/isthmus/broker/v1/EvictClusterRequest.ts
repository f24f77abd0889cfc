// Original file: admin.proto


export interface EvictClusterRequest {
  'id'?: (string);
}

export interface EvictClusterRequest__Output {
  'id': (string);
}
