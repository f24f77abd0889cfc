import { DnsError } from "../errors.js";
import { limits, rrClass, rrType } from "./constants.js";
import { splitName } from "./name.js";
import type { DnsMessage, DnsQuestion, DnsRecord, Edns } from "./types.js";

// The encoder. Owner names and SOA names are compressed (RFC 1035 §4.1.4); SRV targets are
// not (RFC 2782). When the records do not fit `maxSize`, whole records are dropped from the
// end, TC is set unless only additional records were dropped, and the OPT record still goes
// last so the client learns our EDNS size.

/** Options of `encodeMessage`. */
export interface EncodeOptions {
  /** Largest message to produce, in octets (512 for plain UDP, the EDNS size, or 65535 for TCP). */
  readonly maxSize: number;
}

class Overflow extends Error {}

// Encoding is synchronous, so one scratch buffer serves every message; the result is copied out.
const scratch = Buffer.allocUnsafe(limits.message);

class Writer {
  readonly buf: Buffer;
  pos = 0;
  readonly names = new Map<string, number>();

  constructor(size: number) {
    this.buf = scratch.subarray(0, size);
  }

  room(count: number): void {
    if (this.pos + count > this.buf.length) throw new Overflow();
  }

  u8(value: number): void {
    this.room(1);
    this.buf[this.pos++] = value;
  }

  u16(value: number): void {
    this.room(2);
    this.buf.writeUInt16BE(value, this.pos);
    this.pos += 2;
  }

  u32(value: number): void {
    this.room(4);
    this.buf.writeUInt32BE(value >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(data: Uint8Array): void {
    this.room(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  latin1(text: string): void {
    this.room(text.length);
    this.buf.write(text, this.pos, "latin1");
    this.pos += text.length;
  }

  name(name: string, compress: boolean): void {
    const labels = splitName(name);
    for (let i = 0; i < labels.length; i++) {
      const key = compress ? labels.slice(i).join("\u0100").toLowerCase() : "";
      const known = compress ? this.names.get(key) : undefined;
      if (known !== undefined) {
        this.u16(0xc000 | known);
        return;
      }
      if (compress && this.pos < 0x4000) this.names.set(key, this.pos);
      const label = labels[i] ?? "";
      this.u8(label.length);
      this.latin1(label);
    }
    this.u8(0);
  }
}

/** Encodes `message`, truncating to `maxSize` (setting TC) when needed; throws DnsError for unencodable input. */
export function encodeMessage(message: DnsMessage, options: EncodeOptions): Buffer {
  if (message.rcode > 15 && message.edns === undefined) {
    throw new DnsError("InvalidMessage", `Cannot encode rcode ${message.rcode} without an OPT record`);
  }
  const maxSize = Math.min(Math.max(options.maxSize, limits.udpDefault), limits.message);
  const w = new Writer(maxSize);
  const optSize = message.edns === undefined ? 0 : 11 + message.edns.options.reduce((n, o) => n + 4 + o.data.length, 0);
  w.pos = limits.header;
  try {
    for (const q of message.questions) writeQuestion(w, q);
  } catch (err) {
    if (err instanceof Overflow) throw new DnsError("InvalidMessage", `The question section alone exceeds ${maxSize} octets`);
    throw err;
  }
  const limit = maxSize - optSize;
  const counts = [0, 0, 0];
  let truncated = false;
  let stop = false;
  const sections = [message.answers, message.authorities, message.additionals];
  for (let s = 0; s < sections.length && !stop; s++) {
    for (const record of sections[s] ?? []) {
      const mark = w.pos;
      try {
        writeRecord(w, record);
      } catch (err) {
        if (!(err instanceof Overflow)) throw err;
        w.pos = limit + 1;
      }
      if (w.pos > limit) {
        w.pos = mark;
        // Dropping optional additional records does not make the answer truncated (RFC 2181 §9).
        truncated = s < 2;
        stop = true;
        break;
      }
      counts[s] = (counts[s] ?? 0) + 1;
    }
  }
  if (message.edns !== undefined) writeOpt(w, message.edns, message.rcode >> 4);
  writeHeader(w, message, { counts, truncated });
  return Buffer.from(w.buf.subarray(0, w.pos));
}

function writeHeader(w: Writer, m: DnsMessage, o: { counts: number[]; truncated: boolean }): void {
  const f = m.flags;
  const b2 = (f.qr ? 0x80 : 0) | ((f.opcode & 0x0f) << 3) | (f.aa ? 0x04 : 0) | (f.tc || o.truncated ? 0x02 : 0) | (f.rd ? 0x01 : 0);
  const b3 = (f.ra ? 0x80 : 0) | (f.ad ? 0x20 : 0) | (f.cd ? 0x10 : 0) | (m.rcode & 0x0f);
  w.buf.writeUInt16BE(m.id & 0xffff, 0);
  w.buf[2] = b2;
  w.buf[3] = b3;
  w.buf.writeUInt16BE(m.questions.length, 4);
  w.buf.writeUInt16BE(o.counts[0] ?? 0, 6);
  w.buf.writeUInt16BE(o.counts[1] ?? 0, 8);
  w.buf.writeUInt16BE((o.counts[2] ?? 0) + (m.edns === undefined ? 0 : 1), 10);
}

function writeQuestion(w: Writer, q: DnsQuestion): void {
  w.name(q.name, true);
  w.u16(q.type);
  w.u16(q.class);
}

function writeRecord(w: Writer, r: DnsRecord): void {
  w.name(r.name, true);
  const type = r.kind === "RAW" ? r.type : rrType[r.kind];
  w.u16(type);
  w.u16(r.kind === "RAW" ? r.class : rrClass.IN);
  w.u32(r.ttl);
  const lengthAt = w.pos;
  w.u16(0);
  writeData(w, r);
  w.buf.writeUInt16BE(w.pos - lengthAt - 2, lengthAt);
}

function writeData(w: Writer, r: DnsRecord): void {
  switch (r.kind) {
    case "A":
    case "AAAA":
      if (r.address.length !== (r.kind === "A" ? 4 : 16)) {
        throw new DnsError("InvalidMessage", `${r.kind} record "${r.name}" has an address of ${r.address.length} octets`);
      }
      w.bytes(r.address);
      return;
    case "SRV":
      w.u16(r.priority);
      w.u16(r.weight);
      w.u16(r.port);
      w.name(r.target, false);
      return;
    case "TXT":
      for (const text of r.texts) {
        if (text.length > 255) throw new DnsError("InvalidMessage", `TXT record "${r.name}" has a string longer than 255 octets`);
        w.u8(text.length);
        w.latin1(text);
      }
      return;
    case "SOA":
      w.name(r.mname, true);
      w.name(r.rname, true);
      for (const value of [r.serial, r.refresh, r.retry, r.expire, r.minimum]) w.u32(value);
      return;
    case "RAW":
      w.bytes(r.data);
      return;
  }
}

function writeOpt(w: Writer, edns: Edns, extendedRcode: number): void {
  w.u8(0);
  w.u16(rrType.OPT);
  w.u16(edns.udpSize);
  w.u32(((extendedRcode & 0xff) << 24) | ((edns.version & 0xff) << 16) | (edns.dnssecOk ? 0x8000 : 0));
  w.u16(edns.options.reduce((n, o) => n + 4 + o.data.length, 0));
  for (const option of edns.options) {
    w.u16(option.code);
    w.u16(option.data.length);
    w.bytes(option.data);
  }
}
