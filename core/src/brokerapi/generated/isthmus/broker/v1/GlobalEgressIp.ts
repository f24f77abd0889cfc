// Original file: records.proto


/**
 * A GlobalEgressIP resource of a cluster: the pods it selects leave to remote clusters as its
 * address (docs/adr/0206).
 */
export interface GlobalEgressIp {
  'namespace'?: (string);
  'name'?: (string);
  /**
   * Set by the broker: an address of the cluster's block, kept while the resource is published;
   * absent when the cluster holds no block or the block is full. What an agent sends is ignored.
   */
  'globalIp'?: (string);
  '_globalIp'?: "globalIp";
}

/**
 * A GlobalEgressIP resource of a cluster: the pods it selects leave to remote clusters as its
 * address (docs/adr/0206).
 */
export interface GlobalEgressIp__Output {
  'namespace': (string);
  'name': (string);
  /**
   * Set by the broker: an address of the cluster's block, kept while the resource is published;
   * absent when the cluster holds no block or the block is full. What an agent sends is ignored.
   */
  'globalIp'?: (string);
  '_globalIp'?: "globalIp";
}
