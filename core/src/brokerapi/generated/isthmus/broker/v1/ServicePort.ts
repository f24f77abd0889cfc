// Original file: records.proto


export interface ServicePort {
  'name'?: (string);
  'port'?: (number);
  /**
   * "TCP", "UDP" or "SCTP".
   */
  'protocol'?: (string);
  'appProtocol'?: (string);
  '_name'?: "name";
  '_appProtocol'?: "appProtocol";
}

export interface ServicePort__Output {
  'name'?: (string);
  'port': (number);
  /**
   * "TCP", "UDP" or "SCTP".
   */
  'protocol': (string);
  'appProtocol'?: (string);
  '_name'?: "name";
  '_appProtocol'?: "appProtocol";
}
