/**
 * `@isthmus/lab/exec`: what `isthmus lab exec` needs and nothing more (no control-plane, PKI
 * or Kubernetes client code), because test suites run it hundreds of times (ADR 0704).
 */
export { labExecArgv } from "./lab/verbs.js";
