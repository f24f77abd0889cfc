// Original file: agent.proto


export interface JoinRequest {
  /**
   * The secret join token, as shown once by CreateToken.
   */
  'token'?: (string);
  'clusterId'?: (string);
  /**
   * PKCS#10 CSR (PEM) of a key the agent keeps.
   */
  'csrPem'?: (string);
}

export interface JoinRequest__Output {
  /**
   * The secret join token, as shown once by CreateToken.
   */
  'token': (string);
  'clusterId': (string);
  /**
   * PKCS#10 CSR (PEM) of a key the agent keeps.
   */
  'csrPem': (string);
}
