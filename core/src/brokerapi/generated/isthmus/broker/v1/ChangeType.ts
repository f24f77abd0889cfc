// Original file: agent.proto

export const ChangeType = {
  CHANGE_TYPE_UNSPECIFIED: 'CHANGE_TYPE_UNSPECIFIED',
  CHANGE_TYPE_PUT: 'CHANGE_TYPE_PUT',
  CHANGE_TYPE_DELETE: 'CHANGE_TYPE_DELETE',
} as const;

export type ChangeType =
  | 'CHANGE_TYPE_UNSPECIFIED'
  | 0
  | 'CHANGE_TYPE_PUT'
  | 1
  | 'CHANGE_TYPE_DELETE'
  | 2

export type ChangeType__Output = typeof ChangeType[keyof typeof ChangeType]
