import { DnsError } from "../errors.js";
import { limits } from "./constants.js";

// Domain names between wire form and presentation text. Decoding follows compression
// pointers only backwards (each jump lands strictly before the run it leaves), so a crafted
// packet cannot loop; a jump into the header is refused too.

const backslash = 0x5c;
const dot = 0x2e;

/** The presentation text of one raw label (latin1 octets), escaping dots, backslashes, unprintables. */
export function escapeLabel(raw: string): string {
  let plain = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === dot || c === backslash) {
      plain = false;
      break;
    }
  }
  if (plain) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === dot || c === backslash) out += `\\${raw[i] ?? ""}`;
    else if (c <= 0x20 || c >= 0x7f) out += `\\${c.toString().padStart(3, "0")}`;
    else out += raw[i] ?? "";
  }
  return out;
}

/**
 * The raw labels (latin1 strings) of a presentation name; throws DnsError "InvalidName" for
 * empty labels, bad escapes, labels over 63 octets, names over 255 octets.
 */
export function splitName(name: string): string[] {
  if (name === "" || name === ".") return [];
  const text = name.endsWith(".") && !name.endsWith("\\.") ? name.slice(0, -1) : name;
  const labels = text.includes("\\") ? splitEscaped(text, name) : text.split(".");
  let wire = 1;
  for (const label of labels) {
    if (label.length === 0) throw new DnsError("InvalidName", `Cannot encode name ${JSON.stringify(name)}: empty label`);
    if (label.length > limits.label) {
      throw new DnsError("InvalidName", `Cannot encode name ${JSON.stringify(name)}: label longer than ${limits.label} octets`);
    }
    wire += label.length + 1;
  }
  if (wire > limits.name) throw new DnsError("InvalidName", `Cannot encode name ${JSON.stringify(name)}: longer than ${limits.name} octets`);
  return labels;
}

function splitEscaped(text: string, name: string): string[] {
  const labels: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === ".") {
      labels.push(current);
      current = "";
    } else if (c === "\\") {
      const digits = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        const value = Number(digits);
        if (value > 255) throw new DnsError("InvalidName", `Cannot encode name ${JSON.stringify(name)}: escape \\${digits} is over 255`);
        current += String.fromCharCode(value);
        i += 3;
      } else if (i + 1 < text.length) {
        current += text[i + 1] ?? "";
        i += 1;
      } else {
        throw new DnsError("InvalidName", `Cannot encode name ${JSON.stringify(name)}: trailing backslash`);
      }
    } else {
      if (c.charCodeAt(0) > 0xff) throw new DnsError("InvalidName", `Cannot encode name ${JSON.stringify(name)}: non-latin1 character`);
      current += c;
    }
  }
  labels.push(current);
  return labels;
}

/** A decoded name and the offset just past its encoding at the place it was read. */
export interface ReadName {
  readonly name: string;
  readonly end: number;
}

/** Reads a possibly compressed name at `offset`; throws DnsError (Truncated, BadPointer, BadLabel, NameTooLong). */
export function readName(bytes: Uint8Array, offset: number): ReadName {
  let name = "";
  let pos = offset;
  let runStart = offset;
  let end = -1;
  let wire = 1;
  for (;;) {
    const len = bytes[pos];
    if (len === undefined) throw new DnsError("Truncated", `Name at offset ${offset} runs past the end of the packet`);
    if (len === 0) {
      return { name, end: end < 0 ? pos + 1 : end };
    }
    const top = len & 0xc0;
    if (top === 0xc0) {
      const low = bytes[pos + 1];
      if (low === undefined) throw new DnsError("Truncated", `Compression pointer at offset ${pos} runs past the end of the packet`);
      const target = ((len & 0x3f) << 8) | low;
      if (target >= runStart || target < limits.header) {
        throw new DnsError("BadPointer", `Compression pointer at offset ${pos} to ${target} does not point backwards into the message body`);
      }
      if (end < 0) end = pos + 2;
      runStart = target;
      pos = target;
      continue;
    }
    if (top !== 0) throw new DnsError("BadLabel", `Label at offset ${pos} has reserved type 0x${top.toString(16)}`);
    if (pos + 1 + len > bytes.length) throw new DnsError("Truncated", `Label at offset ${pos} runs past the end of the packet`);
    wire += len + 1;
    if (wire > limits.name) throw new DnsError("NameTooLong", `Name at offset ${offset} is longer than ${limits.name} octets`);
    const raw = String.fromCharCode(...bytes.subarray(pos + 1, pos + 1 + len));
    name = name === "" ? escapeLabel(raw) : `${name}.${escapeLabel(raw)}`;
    pos += 1 + len;
  }
}
