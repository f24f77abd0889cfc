// The DNS message as plain data. Names are presentation text without the trailing dot ("" is
// the root); a label's dots, backslashes and unprintable octets are escaped (`\.`, `\\`, `\DDD`).

/** Header flags (RFC 1035 §4.1.1, RFC 4035 AD/CD). */
export interface DnsFlags {
  /** Response (true) or query. */
  readonly qr: boolean;
  /** Operation code, 0..15. */
  readonly opcode: number;
  /** Authoritative answer. */
  readonly aa: boolean;
  /** Truncated: the answer did not fit; retry over TCP. */
  readonly tc: boolean;
  /** Recursion desired (copied from query to response). */
  readonly rd: boolean;
  /** Recursion available. */
  readonly ra: boolean;
  /** Authentic data. */
  readonly ad: boolean;
  /** Checking disabled. */
  readonly cd: boolean;
}

/** One question. */
export interface DnsQuestion {
  /** The name asked for, case preserved. */
  readonly name: string;
  /** The record type number (see `rrType`). */
  readonly type: number;
  /** The class number (see `rrClass`). */
  readonly class: number;
}

interface RecordBase {
  /** Owner name. */
  readonly name: string;
  /** Time to live in seconds. */
  readonly ttl: number;
}

/** An A (4 octets) or AAAA (16 octets) record. */
export interface AddressRecord extends RecordBase {
  readonly kind: "A" | "AAAA";
  /** The address in network byte order. */
  readonly address: Uint8Array;
}

/** An SRV record (RFC 2782); its target is never compressed. */
export interface SrvRecord extends RecordBase {
  readonly kind: "SRV";
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
}

/** A TXT record: one or more character strings of at most 255 octets (latin1 text). */
export interface TxtRecord extends RecordBase {
  readonly kind: "TXT";
  readonly texts: readonly string[];
}

/** An SOA record (negative answers carry the zone's SOA in the authority section). */
export interface SoaRecord extends RecordBase {
  readonly kind: "SOA";
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

/** Any other record, kept as opaque data (RFC 3597). */
export interface RawRecord extends RecordBase {
  readonly kind: "RAW";
  readonly type: number;
  readonly class: number;
  readonly data: Uint8Array;
}

/** A resource record. */
export type DnsRecord = AddressRecord | SrvRecord | TxtRecord | SoaRecord | RawRecord;

/** One EDNS option (code + opaque data). */
export interface EdnsOption {
  readonly code: number;
  readonly data: Uint8Array;
}

/** The EDNS0 pseudo-record (RFC 6891), kept apart from the additional section. */
export interface Edns {
  /** The sender's UDP payload size. */
  readonly udpSize: number;
  /** EDNS version (only 0 exists). */
  readonly version: number;
  /** DNSSEC OK bit. */
  readonly dnssecOk: boolean;
  readonly options: readonly EdnsOption[];
}

/** A whole message. `rcode` is the full 12-bit code (upper bits in the OPT record). */
export interface DnsMessage {
  readonly id: number;
  readonly flags: DnsFlags;
  readonly rcode: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
  /** Present when the message carries an OPT record. */
  readonly edns?: Edns;
}
