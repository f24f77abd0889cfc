// Original file: records.proto

/**
 * The kinds of records; each is published level-based, as a whole set per cluster.
 */
export const Kind = {
  KIND_UNSPECIFIED: 'KIND_UNSPECIFIED',
  KIND_CLUSTER: 'KIND_CLUSTER',
  KIND_ENDPOINT: 'KIND_ENDPOINT',
  KIND_EXPORT: 'KIND_EXPORT',
  KIND_CONNECTION: 'KIND_CONNECTION',
  KIND_WORKLOAD: 'KIND_WORKLOAD',
} as const;

/**
 * The kinds of records; each is published level-based, as a whole set per cluster.
 */
export type Kind =
  | 'KIND_UNSPECIFIED'
  | 0
  | 'KIND_CLUSTER'
  | 1
  | 'KIND_ENDPOINT'
  | 2
  | 'KIND_EXPORT'
  | 3
  | 'KIND_CONNECTION'
  | 4
  | 'KIND_WORKLOAD'
  | 5

/**
 * The kinds of records; each is published level-based, as a whole set per cluster.
 */
export type Kind__Output = typeof Kind[keyof typeof Kind]
