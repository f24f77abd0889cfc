import { defaults } from "@isthmus/core/constants";
import { createSilentLogger } from "@isthmus/core/runtime";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createServiceIndex } from "../index/index.js";
import { createResolver } from "../resolver.js";
import { encodeMessage, parseMessage, rcode, rrClass, rrType, type DnsMessage } from "../wire/index.js";
import { createQueryHandler } from "./handler.js";
import { createDnsMetrics } from "./metrics.js";

function setup(): { handle: (packet: Uint8Array, transport?: "udp" | "tcp") => Buffer | undefined; metrics: ReturnType<typeof createDnsMetrics> } {
  const index = createServiceIndex({ zone: defaults.dnsZone, healthyClusters: ["c1"] });
  index.upsert({
    namespace: "demo",
    name: "big",
    type: "Headless",
    ips: [],
    ports: [],
    clusters: [{ clusterId: "c1", endpoints: Array.from({ length: 100 }, (_, i) => ({ addresses: [`10.1.0.${i + 1}`], ready: true })) }],
  });
  const metrics = createDnsMetrics();
  const handler = createQueryHandler({ resolver: createResolver({ index, zone: defaults.dnsZone, ttlSeconds: 5 }), metrics, logger: createSilentLogger() });
  return { handle: (packet, transport = "udp") => handler.handle(packet, transport), metrics };
}

function query(name: string, extra: Partial<DnsMessage> = {}): Buffer {
  return encodeMessage(
    {
      id: 4242,
      flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false },
      rcode: 0,
      questions: [{ name, type: rrType.A, class: rrClass.IN }],
      answers: [],
      authorities: [],
      additionals: [],
      ...extra,
    },
    { maxSize: 512 },
  );
}

const edns = { udpSize: 4096, version: 0, dnssecOk: false, options: [] };

describe("query handler", () => {
  it("drops packets shorter than a header and responses", () => {
    const { handle, metrics } = setup();
    expect(handle(new Uint8Array(5))).toBeUndefined();
    const response = query("big.demo.svc.clusterset.local", { flags: { qr: true, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false } });
    expect(handle(response)).toBeUndefined();
    expect(metrics.render(0)).toContain('isthmus_dns_dropped_total{transport="udp"} 2');
  });

  it("answers FORMERR with the id when the body is malformed", () => {
    const packet = Buffer.concat([query("big.demo.svc.clusterset.local"), Buffer.from([1])]);
    const answer = parseMessage(setup().handle(packet) ?? new Uint8Array());
    expect(answer).toMatchObject({ id: 4242, rcode: rcode.FORMERR, questions: [] });
    expect(answer.flags.qr).toBe(true);
  });

  it("answers FORMERR to a query with two questions and NOTIMP to other opcodes", () => {
    const two = query("a.clusterset.local", { questions: [{ name: "a.clusterset.local", type: 1, class: 1 }, { name: "b.clusterset.local", type: 1, class: 1 }] });
    expect(parseMessage(setup().handle(two) ?? new Uint8Array()).rcode).toBe(rcode.FORMERR);
    const notify = query("clusterset.local", { flags: { qr: false, opcode: 4, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false } });
    expect(parseMessage(setup().handle(notify) ?? new Uint8Array()).rcode).toBe(rcode.NOTIMP);
  });

  it("answers BADVERS to EDNS versions above 0", () => {
    const answer = parseMessage(setup().handle(query("big.demo.svc.clusterset.local", { edns: { ...edns, version: 1 } })) ?? new Uint8Array());
    expect(answer.rcode).toBe(rcode.BADVERS);
    expect(answer.edns?.version).toBe(0);
  });

  it("fits UDP answers to 512 octets without EDNS and to 1232 with it; TCP gets everything", () => {
    const { handle } = setup();
    const plain = handle(query("big.demo.svc.clusterset.local")) ?? Buffer.alloc(0);
    expect(plain.length).toBeLessThanOrEqual(512);
    expect(parseMessage(plain).flags.tc).toBe(true);
    const withEdns = handle(query("big.demo.svc.clusterset.local", { edns })) ?? Buffer.alloc(0);
    expect(withEdns.length).toBeLessThanOrEqual(1232);
    expect(parseMessage(withEdns).edns?.udpSize).toBe(1232);
    const tcp = parseMessage(handle(query("big.demo.svc.clusterset.local"), "tcp") ?? new Uint8Array());
    expect(tcp.flags.tc).toBe(false);
    expect(tcp.answers).toHaveLength(100);
  });

  it("never throws and always answers with the request id or drops (fuzz)", () => {
    const { handle } = setup();
    const valid = query("big.demo.svc.clusterset.local", { edns });
    const packets = fc.oneof(
      fc.uint8Array({ maxLength: 600 }),
      fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 5 }).map((edits) => {
        const bytes = new Uint8Array(valid);
        for (const [at, value] of edits) bytes[at] = value;
        return bytes;
      }),
      fc.nat({ max: valid.length }).map((n) => valid.subarray(0, n)),
    );
    fc.assert(
      fc.property(packets, fc.constantFrom("udp" as const, "tcp" as const), (packet, transport) => {
        const response = handle(packet, transport);
        if (response === undefined) return;
        const decoded = parseMessage(response);
        expect(decoded.id).toBe(((packet[0] ?? 0) << 8) | (packet[1] ?? 0));
        expect(decoded.flags.qr).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});
