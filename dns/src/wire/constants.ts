// Numbers of the DNS protocol we speak (RFC 1035, 2782, 3596, 6891).

/** Resource record types we encode or recognise. */
export const rrType = Object.freeze({
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
});

/** The record class we serve (IN) and the query-only class ANY. */
export const rrClass = Object.freeze({ IN: 1, ANY: 255 });

/** Response codes; values above 15 need EDNS (the upper 8 bits travel in the OPT record). */
export const rcode = Object.freeze({
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
});

/** Opcodes; we answer only QUERY. */
export const opcode = Object.freeze({ QUERY: 0 });

/** Size limits of the protocol. */
export const limits = Object.freeze({
  /** Header length in octets. */
  header: 12,
  /** Longest name on the wire, including the root label. */
  name: 255,
  /** Longest label. */
  label: 63,
  /** UDP payload every client accepts without EDNS. */
  udpDefault: 512,
  /** Largest message (TCP length prefix is 16 bits). */
  message: 65535,
  /** Largest UDP payload we send even if a client advertises more (DNS flag day 2020). */
  udpMax: 1232,
});

/** The name of a type number for logs and metrics ("TYPE65" for unknown ones, RFC 3597). */
export function typeName(type: number): string {
  for (const [name, value] of Object.entries(rrType)) {
    if (value === type) return name;
  }
  return `TYPE${type}`;
}

/** The name of a response code for logs and metrics. */
export function rcodeName(code: number): string {
  for (const [name, value] of Object.entries(rcode)) {
    if (value === code) return name;
  }
  return `RCODE${code}`;
}
