// Original file: records.proto


/**
 * How remote gateways reach one gateway of a cluster.
 */
export interface GatewayEndpoint {
  'clusterId'?: (string);
  'hostname'?: (string);
  'publicIp'?: (string);
  'privateIp'?: (string);
  'port'?: (number);
  /**
   * "wireguard" or "vxlan".
   */
  'cableDriver'?: (string);
  'wireguardPublicKey'?: (string);
  'healthCheckIp'?: (string);
  'behindNat'?: (boolean);
  'natType'?: (string);
  /**
   * "active" or "passive".
   */
  'role'?: (string);
  '_wireguardPublicKey'?: "wireguardPublicKey";
  '_natType'?: "natType";
}

/**
 * How remote gateways reach one gateway of a cluster.
 */
export interface GatewayEndpoint__Output {
  'clusterId': (string);
  'hostname': (string);
  'publicIp': (string);
  'privateIp': (string);
  'port': (number);
  /**
   * "wireguard" or "vxlan".
   */
  'cableDriver': (string);
  'wireguardPublicKey'?: (string);
  'healthCheckIp': (string);
  'behindNat': (boolean);
  'natType'?: (string);
  /**
   * "active" or "passive".
   */
  'role': (string);
  '_wireguardPublicKey'?: "wireguardPublicKey";
  '_natType'?: "natType";
}
