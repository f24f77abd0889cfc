// Original file: records.proto


/**
 * What an agent publishes about its own cluster; the broker adds the rest.
 */
export interface ClusterSpec {
  'podCidrs'?: (string)[];
  'serviceCidrs'?: (string)[];
  'labels'?: ({[key: string]: string});
}

/**
 * What an agent publishes about its own cluster; the broker adds the rest.
 */
export interface ClusterSpec__Output {
  'podCidrs': (string)[];
  'serviceCidrs': (string)[];
  'labels': ({[key: string]: string});
}
