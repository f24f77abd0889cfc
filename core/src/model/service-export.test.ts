import { describe, expect, it } from "vitest";
import { ModelError } from "./errors.js";
import { parseServiceExport } from "./service-export.js";

const base = { clusterId: "east", namespace: "shop", name: "web", createdAt: "2025-01-31T12:00:00Z" };
const clusterSetIp = {
  ...base,
  type: "ClusterSetIP",
  ports: [
    { name: "http", port: 80, protocol: "TCP", appProtocol: "http" },
    { name: "dns", port: 53, protocol: "UDP" },
  ],
  clusterIp: "10.96.0.10",
};
const headless = {
  ...base,
  type: "Headless",
  ports: [{ port: 5432, protocol: "TCP" }],
  endpoints: [
    { addresses: ["10.1.0.5"], hostname: "db-0", ready: true },
    { addresses: ["10.1.0.6", "fd00:1::6"], ready: false },
  ],
};

function issuesOf(input: unknown): readonly string[] {
  try {
    parseServiceExport(input);
  } catch (err) {
    expect((err as ModelError).code).toBe("InvalidServiceExport");
    return (err as ModelError).issues;
  }
  throw new Error("expected parseServiceExport to throw");
}

describe("parseServiceExport", () => {
  it("accepts ClusterSetIP and Headless exports", () => {
    expect(parseServiceExport(clusterSetIp)).toEqual(clusterSetIp);
    const parsed = parseServiceExport(headless);
    expect(parsed.type === "Headless" ? parsed.endpoints : []).toHaveLength(2);
  });

  it("keeps fields to their type", () => {
    expect(issuesOf({ ...clusterSetIp, endpoints: [] })).toEqual(['Unrecognized key: "endpoints"']);
    expect(issuesOf({ ...headless, clusterIp: "10.96.0.10" })).toEqual(['Unrecognized key: "clusterIp"']);
    expect(issuesOf({ ...headless, type: "ExternalName" })).toHaveLength(1);
  });

  it("checks ports: names when several, no duplicates, valid protocol and number", () => {
    const ports = [
      { port: 80, protocol: "TCP" },
      { name: "b", port: 80, protocol: "TCP" },
      { name: "b", port: 70000, protocol: "ICMP" },
    ];
    const issues = issuesOf({ ...clusterSetIp, ports });
    expect(issues).toEqual(
      expect.arrayContaining([
        "ports.2.port: Too big: expected number to be <=65535",
        expect.stringMatching(/^ports\.2\.protocol: /),
      ]),
    );
    expect(issuesOf({ ...clusterSetIp, ports: ports.slice(0, 2) })).toEqual([
      "ports.0.name: is required when a service has more than one port",
      "ports.1: 80/TCP is listed more than once",
    ]);
  });

  it("checks names and endpoint addresses", () => {
    const issues = issuesOf({ ...headless, namespace: "Shop", name: "1web", endpoints: [{ addresses: [], ready: true }] });
    expect(issues.map((i) => i.split(":")[0])).toEqual(["namespace", "name", "endpoints.0.addresses"]);
  });
});
