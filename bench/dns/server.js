// The isthmus-dns side of the DNS benchmark: the real DNS server (dns/dist) over an index of
// N ClusterSetIP services `svc-<i>.bench-<i % 10>.svc.clusterset.local` → 10.96.<i/256>.<i%256>,
// without the Kubernetes informers. Prints "ready <port>" when it answers.
//
//   node bench/dns/server.js <services> <port>
import { fileURLToPath } from "node:url";

const { createServiceIndex, startDnsServer } = await import(fileURLToPath(new URL("../../dns/dist/index.js", import.meta.url)));
const { createLogger } = await import("@isthmus/core/runtime");
const { defaults } = await import("@isthmus/core/constants");

const count = Number(process.argv[2] ?? 10000);
const port = Number(process.argv[3] ?? 0);
const index = createServiceIndex({ zone: defaults.dnsZone, healthyClusters: ["c1"] });
for (let i = 0; i < count; i++) {
  index.upsert({
    namespace: `bench-${i % 10}`,
    name: `svc-${i}`,
    type: "ClusterSetIP",
    ips: [`10.96.${i >> 8}.${i & 255}`],
    ports: [{ name: "http", port: 80, protocol: "TCP" }],
    clusters: [{ clusterId: "c1", endpoints: [] }],
  });
}
const server = await startDnsServer({
  index,
  logger: createLogger({ level: "silent" }),
  zone: defaults.dnsZone,
  ttlSeconds: defaults.dnsTtlSeconds,
  host: "127.0.0.1",
  port,
  httpHost: "127.0.0.1",
  httpPort: 0,
  ready: () => true,
});
process.stdout.write(`ready ${server.port}\n`);
process.on("SIGTERM", () => {
  server.close().then(() => process.exit(0), () => process.exit(1));
});
