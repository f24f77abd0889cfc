// Original file: agent.proto


/**
 * An export the broker could not give every global IP it needs: its cluster's block is full. A
 * ClusterSetIP export is left out of the catalog; a Headless one is stored without those pods.
 */
export interface UnaddressedExport {
  'namespace'?: (string);
  'name'?: (string);
  /**
   * How many global IPs it did not get (1 for a ClusterSetIP export, its pods left out for a Headless one).
   */
  'missing'?: (number);
  /**
   * What happened and what to do, naming the block and how many addresses it holds.
   */
  'message'?: (string);
}

/**
 * An export the broker could not give every global IP it needs: its cluster's block is full. A
 * ClusterSetIP export is left out of the catalog; a Headless one is stored without those pods.
 */
export interface UnaddressedExport__Output {
  'namespace': (string);
  'name': (string);
  /**
   * How many global IPs it did not get (1 for a ClusterSetIP export, its pods left out for a Headless one).
   */
  'missing': (number);
  /**
   * What happened and what to do, naming the block and how many addresses it holds.
   */
  'message': (string);
}
