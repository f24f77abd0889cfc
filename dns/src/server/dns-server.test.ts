import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { defaults } from "@isthmus/core/constants";
import { createSilentLogger, runCommand } from "@isthmus/core/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServiceIndex, type ServiceIndex } from "../index/index.js";
import { encodeMessage, parseMessage, rcode, rrClass, rrType } from "../wire/index.js";
import { startDnsServer, type DnsServer } from "./dns-server.js";

// The server against the real `dig` (bind9-dnsutils) on loopback, for every record form.

let server: DnsServer;
let index: ServiceIndex;

beforeAll(async () => {
  index = createServiceIndex({ zone: defaults.dnsZone, healthyClusters: ["c1", "c2"] });
  index.upsert({
    namespace: "demo",
    name: "web",
    type: "ClusterSetIP",
    ips: ["10.96.10.10", "fd00:96::10"],
    ports: [{ name: "http", port: 80, protocol: "TCP" }, { port: 8080, protocol: "TCP", name: "alt" }],
    clusters: [{ clusterId: "c1", endpoints: [] }, { clusterId: "c2", endpoints: [] }],
  });
  index.upsert({
    namespace: "demo",
    name: "db",
    type: "Headless",
    ips: [],
    ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
    clusters: [
      { clusterId: "c1", endpoints: [{ addresses: ["10.1.0.4"], hostname: "db-0", ready: true }] },
      { clusterId: "c2", endpoints: [{ addresses: ["10.2.0.4", "fd00:2::4"], hostname: "db-0", ready: true }] },
    ],
  });
  index.upsert({
    namespace: "demo",
    name: "big",
    type: "Headless",
    ips: [],
    ports: [],
    clusters: [{ clusterId: "c1", endpoints: Array.from({ length: 200 }, (_, i) => ({ addresses: [`10.1.${i >> 8}.${i & 255}`], ready: true })) }],
  });
  server = await startDnsServer({
    index,
    logger: createSilentLogger(),
    zone: defaults.dnsZone,
    ttlSeconds: defaults.dnsTtlSeconds,
    host: "127.0.0.1",
    port: 0,
    httpHost: "127.0.0.1",
    httpPort: 0,
    ready: () => true,
    tcpIdleTimeoutMs: 300,
  });
});

afterAll(async () => {
  await server.close();
});

interface DigResult {
  status: string;
  flags: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  opt: string;
}

async function dig(...args: string[]): Promise<DigResult> {
  const { stdout } = await runCommand(["dig", `@127.0.0.1`, "-p", String(server.port), "+norecurse", "+time=2", "+tries=1", ...args], { timeoutMs: 10_000 });
  const section = (title: string): string[] => {
    const at = stdout.indexOf(`;; ${title} SECTION:`);
    if (at < 0) return [];
    const lines = stdout.slice(at).split("\n").slice(1);
    const end = lines.findIndex((l) => l.trim() === "");
    return lines.slice(0, end < 0 ? lines.length : end).map((l) => l.split(/\s+/).join(" "));
  };
  return {
    status: /status: (\w+)/.exec(stdout)?.[1] ?? "none",
    flags: (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? "").trim().split(" "),
    answer: section("ANSWER").sort(),
    authority: section("AUTHORITY"),
    additional: section("ADDITIONAL").sort(),
    opt: /; EDNS: (.*)/.exec(stdout)?.[1] ?? "",
  };
}

describe("isthmus-dns answers dig", () => {
  it("A and AAAA of a ClusterSetIP service", async () => {
    const a = await dig("web.demo.svc.clusterset.local", "A");
    expect(a.status).toBe("NOERROR");
    expect(a.flags).toContain("aa");
    expect(a.answer).toEqual(["web.demo.svc.clusterset.local. 5 IN A 10.96.10.10"]);
    expect((await dig("web.demo.svc.clusterset.local", "AAAA")).answer).toEqual(["web.demo.svc.clusterset.local. 5 IN AAAA fd00:96::10"]);
  });

  it("SRV of named ports with the target's addresses as additional records", async () => {
    const srv = await dig("_http._tcp.web.demo.svc.clusterset.local", "SRV");
    expect(srv.answer).toEqual(["_http._tcp.web.demo.svc.clusterset.local. 5 IN SRV 0 100 80 web.demo.svc.clusterset.local."]);
    expect(srv.additional).toContain("web.demo.svc.clusterset.local. 5 IN A 10.96.10.10");
    const headless = await dig("_pg._tcp.db.demo.svc.clusterset.local", "SRV");
    expect(headless.answer).toEqual([
      "_pg._tcp.db.demo.svc.clusterset.local. 5 IN SRV 0 50 5432 db-0.c1.db.demo.svc.clusterset.local.",
      "_pg._tcp.db.demo.svc.clusterset.local. 5 IN SRV 0 50 5432 db-0.c2.db.demo.svc.clusterset.local.",
    ]);
  });

  it("Headless: every ready endpoint, and per-pod names per cluster", async () => {
    expect((await dig("db.demo.svc.clusterset.local", "A")).answer).toEqual([
      "db.demo.svc.clusterset.local. 5 IN A 10.1.0.4",
      "db.demo.svc.clusterset.local. 5 IN A 10.2.0.4",
    ]);
    expect((await dig("db-0.c2.db.demo.svc.clusterset.local", "AAAA")).answer).toEqual(["db-0.c2.db.demo.svc.clusterset.local. 5 IN AAAA fd00:2::4"]);
    expect((await dig("db-0.c1.db.demo.svc.clusterset.local", "A")).answer).toEqual(["db-0.c1.db.demo.svc.clusterset.local. 5 IN A 10.1.0.4"]);
  });

  it("the dns-version TXT record", async () => {
    expect((await dig("dns-version.clusterset.local", "TXT")).answer).toEqual(['dns-version.clusterset.local. 5 IN TXT "1.0.0"']);
  });

  it("NXDOMAIN and NODATA, both with the SOA", async () => {
    const nx = await dig("c1.web.demo.svc.clusterset.local", "A");
    expect(nx.status).toBe("NXDOMAIN");
    expect(nx.authority).toEqual(["clusterset.local. 5 IN SOA ns.dns.clusterset.local. hostmaster.clusterset.local. " + `${index.serial()} 7200 1800 86400 5`]);
    const nodata = await dig("web.demo.svc.clusterset.local", "TXT");
    expect(nodata.status).toBe("NOERROR");
    expect(nodata.answer).toEqual([]);
    expect(nodata.authority).toHaveLength(1);
    const ent = await dig("demo.svc.clusterset.local", "A");
    expect([ent.status, ent.answer.length, ent.authority.length]).toEqual(["NOERROR", 0, 1]);
    expect((await dig("example.com", "A")).status).toBe("REFUSED");
  });

  it("EDNS: echoes an OPT record with our size; BADVERS for version 1", async () => {
    expect((await dig("web.demo.svc.clusterset.local", "A")).opt).toMatch(/version: 0.*udp: 1232/);
    expect((await dig("+edns=1", "+noednsneg", "web.demo.svc.clusterset.local", "A")).status).toBe("BADVERS");
  });

  it("truncates a big UDP answer with TC, and TCP gets everything", async () => {
    const udp = await dig("+bufsize=512", "+ignore", "big.demo.svc.clusterset.local", "A");
    expect(udp.flags).toContain("tc");
    expect(udp.answer.length).toBeGreaterThan(0);
    expect(udp.answer.length).toBeLessThan(200);
    const tcp = await dig("+tcp", "big.demo.svc.clusterset.local", "A");
    expect(tcp.flags).not.toContain("tc");
    expect(tcp.answer).toHaveLength(200);
    const retried = await dig("+bufsize=512", "big.demo.svc.clusterset.local", "A");
    expect(retried.answer).toHaveLength(200);
  });

  it("answers several queries over one TCP connection", async () => {
    const { stdout } = await runCommand(
      ["dig", "@127.0.0.1", "-p", String(server.port), "+tcp", "+keepopen", "+short", "web.demo.svc.clusterset.local", "A", "db-0.c1.db.demo.svc.clusterset.local", "A"],
      { timeoutMs: 10_000 },
    );
    expect(stdout.trim().split("\n")).toEqual(["10.96.10.10", "10.1.0.4"]);
  });
});

function rawQuery(id: number, name: string): Buffer {
  return encodeMessage(
    {
      id,
      flags: { qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false },
      rcode: 0,
      questions: [{ name, type: rrType.A, class: rrClass.IN }],
      answers: [],
      authorities: [],
      additionals: [],
    },
    { maxSize: 512 },
  );
}

describe("isthmus-dns on the wire", () => {
  it("answers pipelined TCP queries in order and closes idle connections", async () => {
    const socket = connect(server.port, "127.0.0.1");
    const frames = [rawQuery(1, "web.demo.svc.clusterset.local"), rawQuery(2, "nope.demo.svc.clusterset.local")].map((q) =>
      Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]),
    );
    const closed = new Promise<Buffer>((resolve, reject) => {
      let data = Buffer.alloc(0);
      socket.on("data", (chunk) => (data = Buffer.concat([data, chunk])));
      socket.on("close", () => {
        resolve(data);
      });
      socket.on("error", reject);
      setTimeout(() => {
        reject(new Error("server did not close the idle connection within 5 s"));
      }, 5000).unref();
    });
    socket.write(Buffer.concat(frames));
    const data = await closed;
    const first = parseMessage(data.subarray(2, 2 + data.readUInt16BE(0)));
    const rest = data.subarray(2 + data.readUInt16BE(0));
    const second = parseMessage(rest.subarray(2, 2 + rest.readUInt16BE(0)));
    expect([first.id, first.rcode, second.id, second.rcode]).toEqual([1, rcode.NOERROR, 2, rcode.NXDOMAIN]);
  });

  it("answers FORMERR to garbage over UDP and keeps serving", async () => {
    const socket = createSocket("udp4");
    const reply = new Promise<Buffer>((resolve) => socket.once("message", resolve));
    const garbage = Buffer.concat([rawQuery(77, "web.demo.svc.clusterset.local").subarray(0, 20), Buffer.from([0xc0, 0xff, 0, 0])]);
    socket.send(garbage, server.port, "127.0.0.1");
    const answer = parseMessage(await reply);
    socket.close();
    expect([answer.id, answer.rcode]).toEqual([77, rcode.FORMERR]);
    expect((await dig("web.demo.svc.clusterset.local", "A")).status).toBe("NOERROR");
  });

  it("exports metrics by type and rcode, latency and index size", async () => {
    const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    expect(text).toMatch(/isthmus_dns_queries_total\{transport="udp",type="A",rcode="NOERROR"\} \d+/);
    expect(text).toMatch(/isthmus_dns_queries_total\{transport="udp",type="A",rcode="NXDOMAIN"\} \d+/);
    expect(text).toMatch(/isthmus_dns_queries_total\{transport="tcp",type="A",rcode="NOERROR"\} \d+/);
    expect(text).toContain("isthmus_dns_index_services 3");
    expect(text).toMatch(/isthmus_dns_query_duration_seconds_count \d+/);
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/readyz`)).status).toBe(200);
  });
});
