// Original file: agent.proto


export interface JoinResponse {
  'clusterId'?: (string);
  'certificatePem'?: (string);
  /**
   * The broker CA, to verify the broker's serving certificate.
   */
  'caPem'?: (string);
  'notAfter'?: (string);
}

export interface JoinResponse__Output {
  'clusterId': (string);
  'certificatePem': (string);
  /**
   * The broker CA, to verify the broker's serving certificate.
   */
  'caPem': (string);
  'notAfter': (string);
}
