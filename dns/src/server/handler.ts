import type { Logger } from "@isthmus/core/runtime";
import { DnsError } from "../errors.js";
import type { Resolver } from "../resolver.js";
import { encodeMessage, limits, opcode, parseHeader, parseMessage, rcode } from "../wire/index.js";
import type { DnsHeader, DnsMessage, DnsQuestion, Edns } from "../wire/index.js";
import type { DnsMetrics, Transport } from "./metrics.js";

// Turns one request packet into one response packet (or none). The rules, in order:
// shorter than a header or a response (QR set) → dropped; undecodable → FORMERR echoing the
// id; opcode other than QUERY → NOTIMP; not exactly one question → FORMERR; EDNS version
// above 0 → BADVERS; otherwise the resolver's answer. UDP answers fit 512 octets, or the
// client's EDNS size capped at 1232; TCP answers fit 65535. It never throws.

/** Answers raw DNS packets. */
export interface QueryHandler {
  /** The response to `packet`, or undefined to drop it; never throws. */
  handle(packet: Uint8Array, transport: Transport): Buffer | undefined;
}

/** Options of `createQueryHandler`. */
export interface QueryHandlerOptions {
  readonly resolver: Resolver;
  readonly metrics: DnsMetrics;
  /** Logs unexpected failures (there should be none). */
  readonly logger: Logger;
}

const ourEdns: Edns = Object.freeze({ udpSize: limits.udpMax, version: 0, dnssecOk: false, options: [] });

/** Creates the packet handler shared by the UDP and TCP listeners. */
export function createQueryHandler(options: QueryHandlerOptions): QueryHandler {
  const { resolver, metrics, logger } = options;

  const answer = (request: DnsMessage): { response: DnsMessage; type: number } => {
    const question = request.questions[0];
    const base = reply(request, request.questions);
    if (request.flags.opcode !== opcode.QUERY) return { response: { ...base, rcode: rcode.NOTIMP }, type: question?.type ?? 0 };
    if (question === undefined || request.questions.length !== 1) return { response: { ...base, rcode: rcode.FORMERR }, type: question?.type ?? 0 };
    if (request.edns !== undefined && request.edns.version > 0) return { response: { ...base, rcode: rcode.BADVERS }, type: question.type };
    const r = resolver.resolve(question);
    return {
      type: question.type,
      response: { ...base, flags: { ...base.flags, aa: r.authoritative }, rcode: r.rcode, answers: r.answers, authorities: r.authorities, additionals: r.additionals },
    };
  };

  return {
    handle(packet, transport) {
      const started = process.hrtime.bigint();
      try {
        if (packet.length < limits.header || parseHeader(packet).flags.qr) {
          metrics.observeDropped(transport);
          return undefined;
        }
        const header = parseHeader(packet);
        let request: DnsMessage;
        try {
          request = parseMessage(packet);
        } catch (err) {
          if (!(err instanceof DnsError)) throw err;
          return observe({ metrics, transport, started, type: 0, rcode: rcode.FORMERR }, formErr(header));
        }
        const { response, type } = answer(request);
        const maxSize = transport === "tcp" ? limits.message : Math.min(request.edns?.udpSize ?? limits.udpDefault, limits.udpMax);
        return observe({ metrics, transport, started, type, rcode: response.rcode }, encodeMessage(response, { maxSize }));
      } catch (err) {
        logger.error({ err, transport }, "DNS handler failed unexpectedly; answering SERVFAIL");
        return serverFailure(packet);
      }
    },
  };
}

function reply(request: DnsMessage, questions: readonly DnsQuestion[]): DnsMessage {
  return {
    id: request.id,
    flags: { qr: true, opcode: request.flags.opcode, aa: false, tc: false, rd: request.flags.rd, ra: false, ad: false, cd: request.flags.cd },
    rcode: rcode.NOERROR,
    questions,
    answers: [],
    authorities: [],
    additionals: [],
    ...(request.edns === undefined ? {} : { edns: ourEdns }),
  };
}

function formErr(header: DnsHeader): Buffer {
  const message: DnsMessage = {
    id: header.id,
    flags: { qr: true, opcode: header.flags.opcode, aa: false, tc: false, rd: header.flags.rd, ra: false, ad: false, cd: false },
    rcode: rcode.FORMERR,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };
  return encodeMessage(message, { maxSize: limits.udpDefault });
}

function serverFailure(packet: Uint8Array): Buffer | undefined {
  if (packet.length < 2) return undefined;
  const out = Buffer.alloc(limits.header);
  out[0] = packet[0] ?? 0;
  out[1] = packet[1] ?? 0;
  out[2] = 0x80;
  out[3] = rcode.SERVFAIL;
  return out;
}

function observe(o: { metrics: DnsMetrics; transport: Transport; started: bigint; type: number; rcode: number }, response: Buffer): Buffer {
  const seconds = Number(process.hrtime.bigint() - o.started) / 1e9;
  o.metrics.observeQuery({ transport: o.transport, type: o.type, rcode: o.rcode, seconds });
  return response;
}

