// The DNS wire codec: re-exports only.
export * from "./constants.js";
export type * from "./types.js";
export { escapeLabel, splitName, readName, type ReadName } from "./name.js";
export { parseHeader, parseMessage, type DnsHeader } from "./reader.js";
export { encodeMessage, type EncodeOptions } from "./writer.js";
