// Original file: records.proto


export interface ServiceEndpoint {
  'addresses'?: (string)[];
  'hostname'?: (string);
  'ready'?: (boolean);
  '_hostname'?: "hostname";
}

export interface ServiceEndpoint__Output {
  'addresses': (string)[];
  'hostname'?: (string);
  'ready': (boolean);
  '_hostname'?: "hostname";
}
