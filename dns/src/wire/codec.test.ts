import { describe, expect, it } from "vitest";
import { DnsError } from "../errors.js";
import { rcode, rrClass, rrType } from "./constants.js";
import { splitName } from "./name.js";
import { parseHeader, parseMessage } from "./reader.js";
import type { DnsMessage, DnsRecord } from "./types.js";
import { encodeMessage } from "./writer.js";

const flags = { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: false, ad: false, cd: false };

function response(answers: DnsRecord[], extra: Partial<DnsMessage> = {}): DnsMessage {
  return {
    id: 0x1234,
    flags,
    rcode: rcode.NOERROR,
    questions: [{ name: "web.demo.svc.clusterset.local", type: rrType.A, class: rrClass.IN }],
    answers,
    authorities: [],
    additionals: [],
    ...extra,
  };
}

function a(name: string, last: number): DnsRecord {
  return { kind: "A", name, ttl: 5, address: new Uint8Array([10, 0, 0, last]) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DnsError) return err.code;
    throw err;
  }
  return "no error";
}

describe("encodeMessage / parseMessage", () => {
  it("round-trips every record kind we serve, with EDNS", () => {
    const records: DnsRecord[] = [
      a("web.demo.svc.clusterset.local", 1),
      { kind: "AAAA", name: "web.demo.svc.clusterset.local", ttl: 5, address: new Uint8Array(16).fill(7) },
      { kind: "SRV", name: "_http._tcp.web.demo.svc.clusterset.local", ttl: 5, priority: 0, weight: 50, port: 80, target: "web.demo.svc.clusterset.local" },
      { kind: "TXT", name: "dns-version.clusterset.local", ttl: 5, texts: ["1.0.0", ""] },
      { kind: "RAW", name: "x.clusterset.local", ttl: 9, type: 99, class: 1, data: new Uint8Array([1, 2, 3]) },
    ];
    const soa: DnsRecord = {
      kind: "SOA", name: "clusterset.local", ttl: 5, mname: "ns.dns.clusterset.local", rname: "hostmaster.clusterset.local",
      serial: 4294967295, refresh: 7200, retry: 1800, expire: 86400, minimum: 5,
    };
    const message = response(records, { authorities: [soa], edns: { udpSize: 1232, version: 0, dnssecOk: true, options: [{ code: 10, data: new Uint8Array(8).fill(1) }] } });
    const decoded = parseMessage(encodeMessage(message, { maxSize: 4096 }));
    expect(decoded).toEqual(message);
  });

  it("compresses repeated owner names with pointers and leaves SRV targets whole", () => {
    const one = encodeMessage(response([a("web.demo.svc.clusterset.local", 1)]), { maxSize: 512 });
    const two = encodeMessage(response([a("web.demo.svc.clusterset.local", 1), a("web.demo.svc.clusterset.local", 2)]), { maxSize: 512 });
    expect(two.length - one.length).toBe(2 + 10 + 4);
    const srv: DnsRecord = { kind: "SRV", name: "_p._tcp.web.demo.svc.clusterset.local", ttl: 5, priority: 0, weight: 0, port: 1, target: "web.demo.svc.clusterset.local" };
    const withSrv = encodeMessage(response([srv]), { maxSize: 512 });
    expect(withSrv.includes(Buffer.from("\x03web\x04demo\x03svc\x0aclusterset\x05local\x00", "latin1"), 50)).toBe(true);
  });

  it("matches names case-insensitively for compression but keeps the case it was given", () => {
    const wire = encodeMessage(response([a("WEB.demo.svc.clusterset.local", 1)]), { maxSize: 512 });
    const decoded = parseMessage(wire);
    expect(decoded.answers[0]?.name).toBe("web.demo.svc.clusterset.local");
    expect(decoded.questions[0]?.name).toBe("web.demo.svc.clusterset.local");
  });

  it("escapes dots and unprintable octets inside labels and round-trips them", () => {
    const name = "a\\.b.\\000x\\\\.clusterset.local";
    expect(splitName(name)).toEqual(["a.b", "\u0000x\\", "clusterset", "local"]);
    const decoded = parseMessage(encodeMessage(response([a(name, 1)]), { maxSize: 512 }));
    expect(decoded.answers[0]?.name).toBe(name);
  });

  it("truncates whole records, sets TC and still sends the OPT record", () => {
    const many = Array.from({ length: 100 }, (_, i) => a("web.demo.svc.clusterset.local", i));
    const edns = { udpSize: 512, version: 0, dnssecOk: false, options: [] };
    const wire = encodeMessage(response(many, { edns }), { maxSize: 512 });
    expect(wire.length).toBeLessThanOrEqual(512);
    const decoded = parseMessage(wire);
    expect(decoded.flags.tc).toBe(true);
    expect(decoded.answers.length).toBeGreaterThan(20);
    expect(decoded.answers.length).toBeLessThan(100);
    expect(decoded.edns?.udpSize).toBe(512);
    const full = parseMessage(encodeMessage(response(many, { edns }), { maxSize: 65535 }));
    expect(full.flags.tc).toBe(false);
    expect(full.answers).toHaveLength(100);
  });

  it("carries extended response codes in the OPT record", () => {
    const edns = { udpSize: 1232, version: 0, dnssecOk: false, options: [] };
    const decoded = parseMessage(encodeMessage(response([], { rcode: rcode.BADVERS, edns }), { maxSize: 512 }));
    expect(decoded.rcode).toBe(rcode.BADVERS);
    expect(codeOf(() => encodeMessage(response([], { rcode: rcode.BADVERS }), { maxSize: 512 }))).toBe("InvalidMessage");
  });

  it("refuses names that cannot be encoded", () => {
    expect(codeOf(() => splitName("a..b"))).toBe("InvalidName");
    expect(codeOf(() => splitName(`${"x".repeat(64)}.local`))).toBe("InvalidName");
    expect(codeOf(() => splitName(Array.from({ length: 130 }, () => "ab").join(".")))).toBe("InvalidName");
    expect(codeOf(() => splitName("a\\"))).toBe("InvalidName");
    expect(codeOf(() => splitName("a\\300"))).toBe("InvalidName");
  });
});

describe("parseMessage strictness", () => {
  const header = (qd: number, an = 0, ns = 0, ar = 0): number[] => [0, 1, 0, 0, 0, qd, 0, an, 0, ns, 0, ar];
  const question = [3, 119, 101, 98, 0, 0, 1, 0, 1];

  it("reads a minimal query and its header", () => {
    const bytes = new Uint8Array([...header(1), ...question]);
    expect(parseMessage(bytes).questions).toEqual([{ name: "web", type: 1, class: 1 }]);
    expect(parseHeader(bytes).qdcount).toBe(1);
  });

  it.each([
    ["a short header", [0, 1, 0], "Truncated"],
    ["a question count with no question", header(1), "Truncated"],
    ["a label running past the end", [...header(1), 9, 119, 101], "Truncated"],
    ["a pointer to itself", [...header(1), 0xc0, 12, 0, 1, 0, 1], "BadPointer"],
    ["a forward pointer", [...header(1), 0xc0, 20, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0], "BadPointer"],
    ["a pointer into the header", [...header(1), 0xc0, 2, 0, 1, 0, 1], "BadPointer"],
    ["a reserved label type", [...header(1), 0x40, 0, 0, 1, 0, 1], "BadLabel"],
    ["trailing bytes", [...header(1), ...question, 0], "TrailingBytes"],
    ["an A record of 3 octets", [...header(1, 1), ...question, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3], "BadRecord"],
    ["an OPT record in the answer section", [...header(1, 1), ...question, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0], "BadRecord"],
    ["two OPT records", [...header(1, 0, 0, 2), ...question, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0], "BadRecord"],
    ["a TXT string past its data", [...header(1, 1), ...question, 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 5, 65], "BadRecord"],
  ])("refuses %s", (_what, bytes, code) => {
    expect(codeOf(() => parseMessage(new Uint8Array(bytes)))).toBe(code);
  });

  it("follows a chain of backward pointers", () => {
    const bytes = new Uint8Array([...header(2), ...question, 1, 120, 0xc0, 12, 0, 1, 0, 1]);
    expect(parseMessage(bytes).questions[1]?.name).toBe("x.web");
  });

  it("refuses names over 255 octets built from pointers", () => {
    const labels: number[] = [];
    for (let i = 0; i < 4; i++) labels.push(63, ...new Array<number>(63).fill(97));
    const bytes = new Uint8Array([...header(1), ...labels, 0, 0, 1, 0, 1]);
    expect(codeOf(() => parseMessage(bytes))).toBe("NameTooLong");
  });
});

describe("encodeMessage additional records", () => {
  it("drops additional records that do not fit without setting TC", () => {
    const extra = Array.from({ length: 60 }, (_, i) => a("web.demo.svc.clusterset.local", i));
    const decoded = parseMessage(encodeMessage(response([a("web.demo.svc.clusterset.local", 1)], { additionals: extra }), { maxSize: 512 }));
    expect(decoded.flags.tc).toBe(false);
    expect(decoded.answers).toHaveLength(1);
    expect(decoded.additionals.length).toBeLessThan(60);
  });
});
