import type { ServiceIndex } from "./index/index.js";
import type { AddressSet, ServiceView } from "./index/index.js";
import { rcode, rrClass, rrType } from "./wire/index.js";
import type { DnsQuestion, DnsRecord, SoaRecord } from "./wire/index.js";

// Answers one question for the clusterset zone from the service index, per the MCS DNS
// specification. The names, relative to the zone:
//   dns-version                         TXT
//   svc, <ns>.svc                       empty non-terminals (NODATA when they have children)
//   <svc>.<ns>.svc                      A/AAAA (clusterset IPs, or every ready endpoint)
//   _<proto>.<svc>.<ns>.svc             empty non-terminal
//   _<port>._<proto>.<svc>.<ns>.svc     SRV, named ports only
//   <cluster>.<svc>.<ns>.svc            empty non-terminal, Headless only
//   <host>.<cluster>.<svc>.<ns>.svc     A/AAAA, Headless only
// A name that exists without the asked type is NODATA (NOERROR, SOA in authority); a name that
// does not exist is NXDOMAIN with the SOA. Names outside the zone are REFUSED: we are
// authoritative only, with no recursion.

/** The outcome of resolving one question. */
export interface Resolution {
  /** Response code (NOERROR, NXDOMAIN, REFUSED, NOTIMP). */
  readonly rcode: number;
  /** True for answers from our zone (AA bit). */
  readonly authoritative: boolean;
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

/** Answers questions for the clusterset zone. */
export interface Resolver {
  /** Resolves `question`; pure with respect to the index (no I/O), never throws for any name. */
  resolve(question: DnsQuestion): Resolution;
}

/** Options of `createResolver`. */
export interface ResolverOptions {
  readonly index: ServiceIndex;
  /** The zone, e.g. `clusterset.local` (lowercase, no trailing dot). */
  readonly zone: string;
  /** TTL of every record and of negative answers. */
  readonly ttlSeconds: number;
  /** The schema version in the `dns-version` TXT record. */
  readonly dnsVersion?: string;
}

/** The MCS DNS specification version we implement. */
export const mcsDnsVersion = "1.0.0";

type Node = { kind: "records"; records: DnsRecord[]; additionals?: DnsRecord[] } | { kind: "missing" };

/** Creates a resolver over `options.index`. */
export function createResolver(options: ResolverOptions): Resolver {
  const { index, zone, ttlSeconds: ttl } = options;
  const suffix = `.${zone}`;
  const version = options.dnsVersion ?? mcsDnsVersion;

  const soa = (): SoaRecord => ({
    kind: "SOA",
    name: zone,
    ttl,
    mname: `ns.dns.${zone}`,
    rname: `hostmaster.${zone}`,
    serial: index.serial(),
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: ttl,
  });

  const find = (name: string, labels: string[], type: number): Node => {
    const n = labels.length;
    if (n === 0) return { kind: "records", records: type === rrType.SOA || type === rrType.ANY ? [{ ...soa(), name }] : [] };
    const last = labels[n - 1];
    if (n === 1 && last === "dns-version") {
      return { kind: "records", records: wants(type, rrType.TXT) ? [{ kind: "TXT", name, ttl, texts: [version] }] : [] };
    }
    if (last !== "svc") return { kind: "missing" };
    if (n === 1) return index.hasAny() ? { kind: "records", records: [] } : { kind: "missing" };
    const ns = labels[n - 2] ?? "";
    if (n === 2) return index.hasNamespace(ns) ? { kind: "records", records: [] } : { kind: "missing" };
    const view = index.view(ns, labels[n - 3] ?? "");
    if (view === undefined) return { kind: "missing" };
    if (n === 3) return { kind: "records", records: addressRecords(name, view.addresses, { type, ttl }) };
    return findBelowService({ name, labels: labels.slice(0, n - 3), type, view, ttl });
  };

  return {
    resolve(question) {
      const name = question.name.toLowerCase().replace(/\.$/, "");
      if (question.class !== rrClass.IN && question.class !== rrClass.ANY) return refused(false);
      if (name !== zone && !name.endsWith(suffix)) return refused(false);
      if (question.type === rrType.AXFR || question.type === rrType.IXFR) return { ...refused(true), rcode: rcode.NOTIMP };
      const relative = name === zone ? [] : name.slice(0, -suffix.length).split(".");
      const node = find(question.name.replace(/\.$/, ""), relative, question.type);
      if (node.kind === "missing") return { rcode: rcode.NXDOMAIN, authoritative: true, answers: [], authorities: [soa()], additionals: [] };
      if (node.records.length === 0) return { rcode: rcode.NOERROR, authoritative: true, answers: [], authorities: [soa()], additionals: [] };
      return { rcode: rcode.NOERROR, authoritative: true, answers: node.records, authorities: [], additionals: node.additionals ?? [] };
    },
  };
}

function findBelowService(q: { name: string; labels: string[]; type: number; view: ServiceView; ttl: number }): Node {
  const { name, labels, type, view, ttl } = q;
  const first = labels[0] ?? "";
  const second = labels[1] ?? "";
  if (labels.length === 1) {
    if (first.startsWith("_")) return view.srvProtocols.has(first) ? { kind: "records", records: [] } : { kind: "missing" };
    return view.hosts.has(first) ? { kind: "records", records: [] } : { kind: "missing" };
  }
  if (labels.length !== 2) return { kind: "missing" };
  if (first.startsWith("_")) {
    const srv = view.srv.get(`${first}.${second}`);
    if (srv === undefined) return { kind: "missing" };
    if (!wants(type, rrType.SRV)) return { kind: "records", records: [] };
    const records: DnsRecord[] = srv.targets.map((target) => ({ kind: "SRV", name, ttl, priority: 0, weight: weightOf(srv.targets.length), port: srv.port, target }));
    return { kind: "records", records, additionals: srvAdditionals(view, srv.targets, ttl) };
  }
  const host = view.hosts.get(second)?.get(first);
  if (host === undefined) return { kind: "missing" };
  return { kind: "records", records: addressRecords(name, host, { type, ttl }) };
}

function srvAdditionals(view: ServiceView, targets: readonly string[], ttl: number): DnsRecord[] {
  if (view.type === "ClusterSetIP") return addressRecords(view.fqdn, view.addresses, { type: rrType.ANY, ttl });
  const out: DnsRecord[] = [];
  const hostPrefixLength = view.fqdn.length + 1;
  for (const target of targets) {
    const [host = "", cluster = ""] = target.slice(0, -hostPrefixLength).split(".");
    const set = view.hosts.get(cluster)?.get(host);
    if (set !== undefined) out.push(...addressRecords(target, set, { type: rrType.ANY, ttl }));
  }
  return out;
}

function addressRecords(name: string, set: AddressSet, q: { type: number; ttl: number }): DnsRecord[] {
  const records: DnsRecord[] = [];
  if (wants(q.type, rrType.A)) for (const address of set.a) records.push({ kind: "A", name, ttl: q.ttl, address });
  if (wants(q.type, rrType.AAAA)) for (const address of set.aaaa) records.push({ kind: "AAAA", name, ttl: q.ttl, address });
  return records;
}

function wants(asked: number, type: number): boolean {
  return asked === type || asked === rrType.ANY;
}

/** Equal weights that sum to about 100 (RFC 2782 leaves the values to us). */
function weightOf(count: number): number {
  return Math.max(1, Math.floor(100 / count));
}

function refused(authoritative: boolean): Resolution {
  return { rcode: rcode.REFUSED, authoritative, answers: [], authorities: [], additionals: [] };
}
