import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DnsError } from "../errors.js";
import { rcode, rrClass, rrType } from "./constants.js";
import { parseMessage } from "./reader.js";
import type { DnsMessage } from "./types.js";
import { encodeMessage } from "./writer.js";

// The decoder faces the network: whatever the bytes, it returns a message or throws a
// DnsError, and what it returns re-encodes to the same message up to the case of names (the
// encoder compresses names case-insensitively, as RFC 1035 §2.3.3 allows, so a compressed
// name takes the case of the first spelling). Runs are bounded.

const nameFields = new Set(["name", "target", "mname", "rname"]);

/** The message with every domain name lowercased: names compare case-insensitively. */
function foldNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(foldNames);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, nameFields.has(k) && typeof v === "string" ? v.toLowerCase() : foldNames(v)]),
  );
}

const sample: DnsMessage = {
  id: 7,
  flags: { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: false, ad: false, cd: false },
  rcode: rcode.NOERROR,
  questions: [{ name: "_http._tcp.web.demo.svc.clusterset.local", type: rrType.SRV, class: rrClass.IN }],
  answers: [
    { kind: "SRV", name: "_http._tcp.web.demo.svc.clusterset.local", ttl: 5, priority: 0, weight: 50, port: 80, target: "p1.c1.web.demo.svc.clusterset.local" },
    { kind: "A", name: "p1.c1.web.demo.svc.clusterset.local", ttl: 5, address: new Uint8Array([10, 1, 0, 4]) },
    { kind: "TXT", name: "dns-version.clusterset.local", ttl: 5, texts: ["1.0.0"] },
  ],
  authorities: [
    { kind: "SOA", name: "clusterset.local", ttl: 5, mname: "ns.dns.clusterset.local", rname: "hostmaster.clusterset.local", serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 },
  ],
  additionals: [{ kind: "AAAA", name: "p1.c1.web.demo.svc.clusterset.local", ttl: 5, address: new Uint8Array(16).fill(1) }],
  edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [{ code: 10, data: new Uint8Array(8) }] },
};
const valid = encodeMessage(sample, { maxSize: 4096 });

function decodesOrRefuses(bytes: Uint8Array): void {
  let message: DnsMessage;
  try {
    message = parseMessage(bytes);
  } catch (err) {
    if (err instanceof DnsError) return;
    throw err;
  }
  expect(foldNames(parseMessage(encodeMessage(message, { maxSize: 65535 })))).toEqual(foldNames(message));
}

describe("decoder fuzzing", () => {
  it("the sample decodes to itself", () => {
    expect(parseMessage(valid)).toEqual(sample);
  });

  it("random bytes: a message or a DnsError, never anything else", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), decodesOrRefuses), { numRuns: 3000 });
  });

  it("random bytes behind a plausible header", () => {
    const header = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 300 }), ([qd, an, ns, ar], body) => {
        decodesOrRefuses(new Uint8Array([0, 1, 0, 0, 0, qd, 0, an, 0, ns, 0, ar, ...body]));
      }),
      { numRuns: 3000 },
    );
  });

  it("every truncation of a valid packet is refused", () => {
    for (let length = 0; length < valid.length; length++) {
      expect(() => parseMessage(valid.subarray(0, length))).toThrow(DnsError);
    }
  });

  it("bit flips and byte overwrites of a valid packet", () => {
    const edit = fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 }), fc.boolean()), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(edit, (edits) => {
        const bytes = new Uint8Array(valid);
        for (const [at, value, flip] of edits) bytes[at] = flip ? (bytes[at] ?? 0) ^ (1 << (value % 8)) : value;
        decodesOrRefuses(bytes);
      }),
      { numRuns: 5000 },
    );
  });
});
