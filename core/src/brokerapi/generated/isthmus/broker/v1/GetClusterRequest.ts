// Original file: admin.proto


export interface GetClusterRequest {
  'id'?: (string);
}

export interface GetClusterRequest__Output {
  'id': (string);
}
