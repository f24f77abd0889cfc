// Original file: records.proto


export interface ServiceEndpoint {
  'addresses'?: (string)[];
  'hostname'?: (string);
  'ready'?: (boolean);
  /**
   * Set by the broker when the exporting cluster holds a global block: the pod's address in it
   * (docs/adr/0206). What an agent sends is ignored.
   */
  'globalIp'?: (string);
  '_hostname'?: "hostname";
  '_globalIp'?: "globalIp";
}

export interface ServiceEndpoint__Output {
  'addresses': (string)[];
  'hostname'?: (string);
  'ready': (boolean);
  /**
   * Set by the broker when the exporting cluster holds a global block: the pod's address in it
   * (docs/adr/0206). What an agent sends is ignored.
   */
  'globalIp'?: (string);
  '_hostname'?: "hostname";
  '_globalIp'?: "globalIp";
}
