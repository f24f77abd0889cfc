// Original file: admin.proto


export interface ListExportsRequest {
  'clusterId'?: (string);
  'namespace'?: (string);
  '_clusterId'?: "clusterId";
  '_namespace'?: "namespace";
}

export interface ListExportsRequest__Output {
  'clusterId'?: (string);
  'namespace'?: (string);
  '_clusterId'?: "clusterId";
  '_namespace'?: "namespace";
}
