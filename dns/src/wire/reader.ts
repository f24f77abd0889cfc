import { DnsError } from "../errors.js";
import { limits, rrType } from "./constants.js";
import { readName } from "./name.js";
import type { DnsFlags, DnsMessage, DnsQuestion, DnsRecord, Edns, EdnsOption } from "./types.js";

// A strict decoder: every length is checked against the packet, record data must match its
// type exactly, an OPT record may appear once and only at the root in the additional section,
// and nothing may follow the last record. Every failure is a DnsError; nothing else escapes.

/** The fixed 12-octet header. */
export interface DnsHeader {
  readonly id: number;
  readonly flags: DnsFlags;
  /** The low 4 bits of the response code. */
  readonly rcode: number;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
}

/** Reads the header; throws DnsError "Truncated" for packets shorter than 12 octets. */
export function parseHeader(bytes: Uint8Array): DnsHeader {
  if (bytes.length < limits.header) throw new DnsError("Truncated", `Packet of ${bytes.length} octets is shorter than a DNS header`);
  const b2 = bytes[2] ?? 0;
  const b3 = bytes[3] ?? 0;
  return {
    id: u16(bytes, 0),
    flags: {
      qr: (b2 & 0x80) !== 0,
      opcode: (b2 >> 3) & 0x0f,
      aa: (b2 & 0x04) !== 0,
      tc: (b2 & 0x02) !== 0,
      rd: (b2 & 0x01) !== 0,
      ra: (b3 & 0x80) !== 0,
      ad: (b3 & 0x20) !== 0,
      cd: (b3 & 0x10) !== 0,
    },
    rcode: b3 & 0x0f,
    qdcount: u16(bytes, 4),
    ancount: u16(bytes, 6),
    nscount: u16(bytes, 8),
    arcount: u16(bytes, 10),
  };
}

/** Decodes a whole message; throws DnsError naming the first problem. */
export function parseMessage(bytes: Uint8Array): DnsMessage {
  const header = parseHeader(bytes);
  let pos = limits.header;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < header.qdcount; i++) {
    const { name, end } = readName(bytes, pos);
    need(bytes, end, 4, "question");
    questions.push({ name, type: u16(bytes, end), class: u16(bytes, end + 2) });
    pos = end + 4;
  }
  const answers = readSection(bytes, { pos, count: header.ancount, section: "answer" });
  const authorities = readSection(bytes, { pos: answers.end, count: header.nscount, section: "authority" });
  const additionals = readSection(bytes, { pos: authorities.end, count: header.arcount, section: "additional" });
  if (additionals.end !== bytes.length) {
    throw new DnsError("TrailingBytes", `${bytes.length - additionals.end} octets follow the last record`);
  }
  const upper = additionals.edns === undefined ? 0 : additionals.extendedRcode << 4;
  return {
    id: header.id,
    flags: header.flags,
    rcode: upper | header.rcode,
    questions,
    answers: answers.records,
    authorities: authorities.records,
    additionals: additionals.records,
    ...(additionals.edns === undefined ? {} : { edns: additionals.edns }),
  };
}

interface SectionResult {
  records: DnsRecord[];
  end: number;
  edns?: Edns;
  extendedRcode: number;
}

function readSection(bytes: Uint8Array, at: { pos: number; count: number; section: string }): SectionResult {
  const result: SectionResult = { records: [], end: at.pos, extendedRcode: 0 };
  for (let i = 0; i < at.count; i++) {
    const { name, end } = readName(bytes, result.end);
    need(bytes, end, 10, "record header");
    const type = u16(bytes, end);
    const klass = u16(bytes, end + 2);
    const ttl = u32(bytes, end + 4);
    const rdlength = u16(bytes, end + 8);
    const start = end + 10;
    need(bytes, start, rdlength, "record data");
    result.end = start + rdlength;
    if (type === rrType.OPT) {
      if (at.section !== "additional" || name !== "" || result.edns !== undefined) {
        throw new DnsError("BadRecord", `OPT record at offset ${start - 10} is duplicated, not at the root, or outside the additional section`);
      }
      result.edns = readEdns(bytes, { start, end: result.end, udpSize: klass, ttl });
      result.extendedRcode = ttl >>> 24;
      continue;
    }
    result.records.push(readRecord(bytes, { name, type, klass, ttl, start, end: result.end }));
  }
  return result;
}

interface RecordAt {
  name: string;
  type: number;
  klass: number;
  ttl: number;
  start: number;
  end: number;
}

function readRecord(bytes: Uint8Array, r: RecordAt): DnsRecord {
  const length = r.end - r.start;
  const base = { name: r.name, ttl: r.ttl };
  if (r.klass === 1 && (r.type === rrType.A || r.type === rrType.AAAA)) {
    const want = r.type === rrType.A ? 4 : 16;
    if (length !== want) throw new DnsError("BadRecord", `Address record "${r.name}" has ${length} octets of data, expected ${want}`);
    return { ...base, kind: r.type === rrType.A ? "A" : "AAAA", address: copy(bytes, r.start, r.end) };
  }
  if (r.klass === 1 && r.type === rrType.SRV) {
    need(bytes, r.start, 6, "SRV data");
    const target = readName(bytes, r.start + 6);
    exact(target.end, r, "SRV");
    return { ...base, kind: "SRV", priority: u16(bytes, r.start), weight: u16(bytes, r.start + 2), port: u16(bytes, r.start + 4), target: target.name };
  }
  if (r.klass === 1 && r.type === rrType.TXT) return { ...base, kind: "TXT", texts: readTexts(bytes, r) };
  if (r.klass === 1 && r.type === rrType.SOA) {
    const mname = readName(bytes, r.start);
    const rname = readName(bytes, mname.end);
    exact(rname.end + 20, r, "SOA");
    const at = rname.end;
    return {
      ...base,
      kind: "SOA",
      mname: mname.name,
      rname: rname.name,
      serial: u32(bytes, at),
      refresh: u32(bytes, at + 4),
      retry: u32(bytes, at + 8),
      expire: u32(bytes, at + 12),
      minimum: u32(bytes, at + 16),
    };
  }
  return { ...base, kind: "RAW", type: r.type, class: r.klass, data: copy(bytes, r.start, r.end) };
}

function readTexts(bytes: Uint8Array, r: RecordAt): string[] {
  if (r.end === r.start) throw new DnsError("BadRecord", `TXT record "${r.name}" has no character string`);
  const texts: string[] = [];
  let pos = r.start;
  while (pos < r.end) {
    const len = bytes[pos] ?? 0;
    if (pos + 1 + len > r.end) throw new DnsError("BadRecord", `TXT record "${r.name}" has a string running past its data`);
    texts.push(String.fromCharCode(...bytes.subarray(pos + 1, pos + 1 + len)));
    pos += 1 + len;
  }
  return texts;
}

function readEdns(bytes: Uint8Array, o: { start: number; end: number; udpSize: number; ttl: number }): Edns {
  const options: EdnsOption[] = [];
  let pos = o.start;
  while (pos < o.end) {
    if (pos + 4 > o.end) throw new DnsError("BadRecord", `EDNS option at offset ${pos} is cut short`);
    const code = u16(bytes, pos);
    const len = u16(bytes, pos + 2);
    if (pos + 4 + len > o.end) throw new DnsError("BadRecord", `EDNS option ${code} runs past the OPT data`);
    options.push({ code, data: copy(bytes, pos + 4, pos + 4 + len) });
    pos += 4 + len;
  }
  return { udpSize: o.udpSize, version: (o.ttl >>> 16) & 0xff, dnssecOk: (o.ttl & 0x8000) !== 0, options };
}

function exact(end: number, r: RecordAt, what: string): void {
  if (end !== r.end) throw new DnsError("BadRecord", `${what} record "${r.name}" data length ${r.end - r.start} does not match its content`);
}

function need(bytes: Uint8Array, pos: number, count: number, what: string): void {
  if (pos + count > bytes.length) throw new DnsError("Truncated", `Packet ends inside a ${what} at offset ${pos}`);
}

function u16(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos] ?? 0) << 8) | (bytes[pos + 1] ?? 0);
}

function u32(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos] ?? 0) * 0x1000000 + (((bytes[pos + 1] ?? 0) << 16) | ((bytes[pos + 2] ?? 0) << 8) | (bytes[pos + 3] ?? 0))) >>> 0;
}

/** A plain Uint8Array copy (never a view: a Buffer's slice would alias the packet). */
function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}
