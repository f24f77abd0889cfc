import { defaults } from "@isthmus/core/constants";
import { describe, expect, it } from "vitest";
import { createServiceIndex, type ImportedService } from "./index/index.js";
import { createResolver, type Resolution } from "./resolver.js";
import { rcode, rrClass, rrType, type DnsRecord } from "./wire/index.js";

const zone = defaults.dnsZone;
const ttl = defaults.dnsTtlSeconds;

const web: ImportedService = {
  namespace: "demo",
  name: "web",
  type: "ClusterSetIP",
  ips: ["10.96.10.10", "fd00:96::10"],
  ports: [
    { name: "http", port: 80, protocol: "TCP" },
    { name: "dns", port: 53, protocol: "UDP" },
  ],
  clusters: [
    { clusterId: "c1", endpoints: [] },
    { clusterId: "c2", endpoints: [] },
  ],
};

const unnamed: ImportedService = { ...web, name: "plain", ips: ["10.96.10.11"], ports: [{ port: 8080, protocol: "TCP" }] };

const db: ImportedService = {
  namespace: "demo",
  name: "db",
  type: "Headless",
  ips: [],
  ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
  clusters: [
    {
      clusterId: "c1",
      endpoints: [
        { addresses: ["10.1.0.4"], hostname: "db-0", ready: true },
        { addresses: ["10.1.0.5"], hostname: "db-1", ready: false },
        { addresses: ["10.1.0.6", "fd00:1::6"], ready: true },
      ],
    },
    { clusterId: "c2", endpoints: [{ addresses: ["10.2.0.4"], hostname: "db-0", ready: true }] },
    { clusterId: "c3", endpoints: [{ addresses: ["10.3.0.4"], hostname: "db-0", ready: true }] },
  ],
};

const idle: ImportedService = { ...db, name: "idle", clusters: [{ clusterId: "c1", endpoints: [{ addresses: ["10.1.0.9"], ready: false }] }] };

function setup(): { resolve: (name: string, type: number) => Resolution; index: ReturnType<typeof createServiceIndex> } {
  const index = createServiceIndex({ zone, healthyClusters: ["c1", "c2"] });
  for (const s of [web, unnamed, db, idle]) index.upsert(s);
  const resolver = createResolver({ index, zone, ttlSeconds: ttl });
  return { index, resolve: (name, type) => resolver.resolve({ name, type, class: rrClass.IN }) };
}

function show(records: readonly DnsRecord[]): string[] {
  return records.map((r) => {
    switch (r.kind) {
      case "A":
        return `${r.name} ${r.ttl} A ${[...r.address].join(".")}`;
      case "AAAA":
        return `${r.name} ${r.ttl} AAAA ${Buffer.from(r.address).toString("hex")}`;
      case "SRV":
        return `${r.name} ${r.ttl} SRV ${r.priority} ${r.weight} ${r.port} ${r.target}`;
      case "TXT":
        return `${r.name} ${r.ttl} TXT ${r.texts.join(" ")}`;
      case "SOA":
        return `${r.name} ${r.ttl} SOA ${r.mname} ${r.rname} ${r.minimum}`;
      case "RAW":
        return `${r.name} RAW`;
    }
  }).sort();
}

const soa = `${zone} ${ttl} SOA ns.dns.${zone} hostmaster.${zone} ${ttl}`;
const v6web = `fd000096${"0".repeat(22)}10`;

describe("resolver: positive answers", () => {
  it.each([
    ["ClusterSetIP A", "web.demo.svc.clusterset.local", rrType.A, ["web.demo.svc.clusterset.local 5 A 10.96.10.10"]],
    ["ClusterSetIP AAAA", "web.demo.svc.clusterset.local", rrType.AAAA, [`web.demo.svc.clusterset.local 5 AAAA ${v6web}`]],
    ["trailing dot and upper case", "WEB.Demo.svc.clusterset.local.", rrType.A, ["WEB.Demo.svc.clusterset.local 5 A 10.96.10.10"]],
    ["ClusterSetIP SRV tcp", "_http._tcp.web.demo.svc.clusterset.local", rrType.SRV, ["_http._tcp.web.demo.svc.clusterset.local 5 SRV 0 100 80 web.demo.svc.clusterset.local"]],
    ["ClusterSetIP SRV udp", "_dns._udp.web.demo.svc.clusterset.local", rrType.SRV, ["_dns._udp.web.demo.svc.clusterset.local 5 SRV 0 100 53 web.demo.svc.clusterset.local"]],
    [
      "Headless A: ready endpoints of healthy clusters only",
      "db.demo.svc.clusterset.local",
      rrType.A,
      ["db.demo.svc.clusterset.local 5 A 10.1.0.4", "db.demo.svc.clusterset.local 5 A 10.1.0.6", "db.demo.svc.clusterset.local 5 A 10.2.0.4"],
    ],
    ["Headless AAAA", "db.demo.svc.clusterset.local", rrType.AAAA, [`db.demo.svc.clusterset.local 5 AAAA fd000001${"0".repeat(23)}6`]],
    ["Headless per-pod name", "db-0.c2.db.demo.svc.clusterset.local", rrType.A, ["db-0.c2.db.demo.svc.clusterset.local 5 A 10.2.0.4"]],
    ["Headless system hostname", "10-1-0-6.c1.db.demo.svc.clusterset.local", rrType.A, ["10-1-0-6.c1.db.demo.svc.clusterset.local 5 A 10.1.0.6"]],
    [
      "Headless SRV: every ready endpoint of every healthy cluster",
      "_pg._tcp.db.demo.svc.clusterset.local",
      rrType.SRV,
      [
        "_pg._tcp.db.demo.svc.clusterset.local 5 SRV 0 33 5432 10-1-0-6.c1.db.demo.svc.clusterset.local",
        "_pg._tcp.db.demo.svc.clusterset.local 5 SRV 0 33 5432 db-0.c1.db.demo.svc.clusterset.local",
        "_pg._tcp.db.demo.svc.clusterset.local 5 SRV 0 33 5432 db-0.c2.db.demo.svc.clusterset.local",
      ],
    ],
    ["dns-version TXT", "dns-version.clusterset.local", rrType.TXT, ["dns-version.clusterset.local 5 TXT 1.0.0"]],
    ["apex SOA", "clusterset.local", rrType.SOA, [soa]],
  ])("%s", (_what, name, type, expected) => {
    const r = setup().resolve(name, type);
    expect(r.rcode).toBe(rcode.NOERROR);
    expect(r.authoritative).toBe(true);
    expect(show(r.answers)).toEqual([...expected].sort());
  });

  it("ANY at a service returns both families", () => {
    expect(show(setup().resolve("web.demo.svc.clusterset.local", rrType.ANY).answers)).toHaveLength(2);
  });

  it("SRV answers carry the targets' addresses as additional records", () => {
    const r = setup().resolve("_pg._tcp.db.demo.svc.clusterset.local", rrType.SRV);
    expect(show(r.additionals)).toContain("db-0.c2.db.demo.svc.clusterset.local 5 A 10.2.0.4");
    const c = setup().resolve("_http._tcp.web.demo.svc.clusterset.local", rrType.SRV);
    expect(show(c.additionals)).toContain("web.demo.svc.clusterset.local 5 A 10.96.10.10");
  });
});

describe("resolver: NODATA and NXDOMAIN", () => {
  it.each([
    ["a service asked for TXT", "web.demo.svc.clusterset.local", rrType.TXT],
    ["a service asked for SRV", "web.demo.svc.clusterset.local", rrType.SRV],
    ["an SRV name asked for A", "_http._tcp.web.demo.svc.clusterset.local", rrType.A],
    ["an IPv4-only service asked for AAAA", "plain.demo.svc.clusterset.local", rrType.AAAA],
    ["the empty non-terminal <ns>.svc", "demo.svc.clusterset.local", rrType.A],
    ["the empty non-terminal svc", "svc.clusterset.local", rrType.A],
    ["the empty non-terminal _<proto>", "_tcp.web.demo.svc.clusterset.local", rrType.SRV],
    ["the empty non-terminal <cluster> of a Headless service", "c1.db.demo.svc.clusterset.local", rrType.A],
    ["dns-version asked for A", "dns-version.clusterset.local", rrType.A],
    ["the apex asked for A", "clusterset.local", rrType.A],
  ])("NODATA for %s", (_what, name, type) => {
    const r = setup().resolve(name, type);
    expect(r.rcode).toBe(rcode.NOERROR);
    expect(r.answers).toEqual([]);
    expect(show(r.authorities)).toEqual([soa]);
  });

  it.each([
    ["an unknown service", "nope.demo.svc.clusterset.local"],
    ["an unknown namespace", "web.other.svc.clusterset.local"],
    ["<cluster>.<svc> of a ClusterSetIP service (MCS: must not exist)", "c1.web.demo.svc.clusterset.local"],
    ["an unnamed port has no SRV", "_8080._tcp.plain.demo.svc.clusterset.local"],
    ["a port name with the wrong protocol", "_http._udp.web.demo.svc.clusterset.local"],
    ["a protocol with no named port", "_udp.plain.demo.svc.clusterset.local"],
    ["a not-ready pod", "db-1.c1.db.demo.svc.clusterset.local"],
    ["a pod of an unhealthy cluster", "db-0.c3.db.demo.svc.clusterset.local"],
    ["an unhealthy cluster's non-terminal", "c3.db.demo.svc.clusterset.local"],
    ["a Headless service with no ready endpoint", "idle.demo.svc.clusterset.local"],
    ["a name below a pod", "x.db-0.c1.db.demo.svc.clusterset.local"],
    ["a name beside svc", "pod.clusterset.local"],
  ])("NXDOMAIN for %s", (_what, name) => {
    const r = setup().resolve(name, rrType.A);
    expect(r.rcode).toBe(rcode.NXDOMAIN);
    expect(r.answers).toEqual([]);
    expect(show(r.authorities)).toEqual([soa]);
  });

  it("refuses names outside the zone and zone transfers", () => {
    const { resolve } = setup();
    expect(resolve("example.com", rrType.A)).toMatchObject({ rcode: rcode.REFUSED, authoritative: false });
    expect(resolve("xclusterset.local", rrType.A).rcode).toBe(rcode.REFUSED);
    expect(resolve("clusterset.local", rrType.AXFR).rcode).toBe(rcode.NOTIMP);
  });
});

describe("resolver follows the index", () => {
  it("withdraws a cluster's endpoints while it is unhealthy and brings them back", () => {
    const { index, resolve } = setup();
    index.setHealthyClusters(["c1"]);
    expect(resolve("db-0.c2.db.demo.svc.clusterset.local", rrType.A).rcode).toBe(rcode.NXDOMAIN);
    expect(show(resolve("db.demo.svc.clusterset.local", rrType.A).answers)).not.toContain("db.demo.svc.clusterset.local 5 A 10.2.0.4");
    index.setHealthyClusters(["c1", "c2"]);
    expect(show(resolve("db.demo.svc.clusterset.local", rrType.A).answers)).toContain("db.demo.svc.clusterset.local 5 A 10.2.0.4");
  });

  it("a ClusterSetIP service with no healthy exporter disappears", () => {
    const { index, resolve } = setup();
    index.setHealthyClusters(["c9"]);
    expect(resolve("web.demo.svc.clusterset.local", rrType.A).rcode).toBe(rcode.NXDOMAIN);
    expect(resolve("demo.svc.clusterset.local", rrType.A).rcode).toBe(rcode.NXDOMAIN);
    expect(resolve("svc.clusterset.local", rrType.A).rcode).toBe(rcode.NXDOMAIN);
  });

  it("answers updates and removals, and the SOA serial moves", () => {
    const { index, resolve } = setup();
    const before = index.serial();
    index.upsert({ ...web, ips: ["10.96.10.99"] });
    expect(show(resolve("web.demo.svc.clusterset.local", rrType.A).answers)).toEqual(["web.demo.svc.clusterset.local 5 A 10.96.10.99"]);
    index.remove("demo", "web");
    expect(resolve("web.demo.svc.clusterset.local", rrType.A).rcode).toBe(rcode.NXDOMAIN);
    expect(index.serial()).not.toBe(before);
    expect(index.size()).toBe(3);
    index.remove("demo", "web");
    expect(index.size()).toBe(3);
  });
});
