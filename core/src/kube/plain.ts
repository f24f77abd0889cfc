/**
 * Plain-object views of client-node's model classes. client-node 1.x models are classes, and the
 * lint rule `no-unsafe-class-instance-assignment` (rightly) refuses object literals where a class
 * instance is expected. Code that reads instances (assignable to these views) and writes plain
 * JSON (patch bodies, objects it builds) works on `Plain<V1…>` instead. Dates may be `Date` (from
 * client-node) or ISO strings (JSON we build).
 */

/** The structural (JSON) shape of a client-node model class, recursively. */
export type Plain<T> = T extends Date
  ? Date | string
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;
