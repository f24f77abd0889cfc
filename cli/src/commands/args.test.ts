import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../main.js";
import { parsePing } from "./benchmark.js";
import { parseJoinArgs, renderGateways } from "./join.js";
import { parseDuration } from "./token.js";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void): Writable => new Writable({ write(chunk: Buffer, _enc, done) { append(chunk.toString()); done(); } });
  const code = await main(args, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: {} });
  return { code, stdout, stderr };
}

describe("isthmus argument handling (nothing contacted)", () => {
  it.each([
    [["nope"], 2, /unknown command "nope"/],
    [["join"], 2, /join needs the broker-info file/],
    [["join", "info.json"], 2, /--clusterid is required/],
    [["join", "info.json", "--clusterid", "c2", "--cable-driver", "ipsec"], 2, /Unknown cable driver "ipsec": use wireguard or vxlan/],
    [["join", "info.json", "--clusterid", "Bad_Id"], 2, /not an RFC 1123 label/],
    [["join", "info.json", "--clusterid", "c2", "--bogus"], 2, /Unknown option '--bogus'/],
    [["join", "info.json", "--clusterid", "c2", "--wait", "soon"], 2, /--wait must be like 90s or 3m/],
    [["token", "mint"], 2, /Unknown verb "mint": use create, list or revoke/],
    [["token", "create", "--ttl", "forever"], 2, /--ttl must be a duration/],
    [["show"], 2, /show needs what to show/],
    [["show", "everything"], 2, /Unknown thing to show "everything"/],
    [["benchmark", "speed"], 2, /Unknown benchmark "speed": use throughput or latency/],
    [["benchmark", "latency", "--kubeconfig", "a"], 2, /exactly two --kubeconfig/],
    [["verify", "--kubeconfig", "a"], 2, /at least two --kubeconfig/],
    [["export", "pod", "x"], 2, /Expected: service NAME -n NAMESPACE/],
    [["manifests", "--component", "router"], 2, /Unknown component "router": use broker, cni, gateway, dns/],
    [["demo", "--cable-driver", "gre"], 2, /Unknown cable driver "gre"/],
    [["broker", "start"], 2, /Unknown verb "start": use run/],
    [["deploy-broker", "--token-uses", "0"], 2, /--token-uses must be a whole number/],
  ])("isthmus %j exits %i with a clear message", async (args, code, message) => {
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it("prints help with examples for every command", async () => {
    const list = await run(["--help"]);
    expect(list.code).toBe(0);
    for (const name of ["demo", "broker", "deploy-broker", "join", "uninstall", "show", "diagnose", "verify", "benchmark", "export", "unexport", "token", "manifests", "lab", "version"]) {
      expect(list.stdout).toContain(`  ${name} `);
      const help = await run([name, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: /);
    }
  });

  it("parses a full join command line", () => {
    const request = parseJoinArgs(["b.json", "--clusterid", "east", "--cable-driver", "vxlan", "--gateway-nodes", "n1,n2", "--skip-cni", "--pod-cidr", "10.0.0.0/16", "--public-ip", "n1=203.0.113.9", "--wait", "90s"]);
    expect(request).toMatchObject({ clusterId: "east", cableDriver: "vxlan", gatewayNodes: ["n1", "n2"], skipCni: true, podCidrs: ["10.0.0.0/16"], waitTimeoutMs: 90_000 });
    expect(request.brokerInfoFile.endsWith("/b.json")).toBe(true);
    expect(request.publicIps.get("n1")).toBe("203.0.113.9");
    expect(request.global).toBeUndefined();
    expect(parseJoinArgs(["b.json", "--clusterid", "east", "--global-cidr", "/20"]).global).toEqual({ kind: "size", prefix: 20 });
    expect(parseJoinArgs(["b.json", "--clusterid", "east", "--no-global"]).global).toBe("off");
    expect(() => parseJoinArgs(["b.json", "--clusterid", "east", "--no-global", "--global-cidr", "auto"])).toThrow(/contradict/);
  });

  it("parses durations and ping summaries", () => {
    expect(parseDuration("90s", "--x")).toBe(90);
    expect(parseDuration("2h", "--x")).toBe(7200);
    expect(() => parseDuration("0s", "--x")).toThrow(/between 1s and 365d/);
    expect(parsePing("10 packets transmitted, 10 received, 0% packet loss, time 1803ms\nrtt min/avg/max/mdev = 0.258/0.687/1.462/0.336 ms\n")).toEqual({ minMs: 0.258, avgMs: 0.687, maxMs: 1.462, mdevMs: 0.336, lossPercent: 0 });
    expect(parsePing("ping: connect: Network is unreachable")).toBeUndefined();
  });

  it("renders gateways one line per connection", () => {
    const text = renderGateways([
      { node: "c2-n1", clusterId: "c2", role: "active", publicIp: "203.0.113.12", driver: "wireguard", connections: [{ cluster: "c1", gateway: "c1-n1", status: "connected", remoteIp: "203.0.113.11", driver: "wireguard", rttMs: 0.5312 }] },
      { node: "c2-n2", clusterId: "c2", role: "passive", publicIp: "", driver: "wireguard", connections: [] },
    ]);
    expect(text.split("\n")).toEqual([
      "CLUSTER  GATEWAY  ROLE     DRIVER     REMOTE  REMOTE-IP     STATUS     RTT",
      "c2       c2-n1    active   wireguard  c1      203.0.113.11  connected  0.53 ms",
      "c2       c2-n2    passive  wireguard  -       -             -          -",
      "",
    ]);
  });

  it("prints the manifests it applies, every pod without service links", async () => {
    const result = await run(["manifests", "-o", "json", "--component", "gateway", "--image-tag", "9.9.9"]);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { items: { kind: string; spec?: { template?: { spec?: { enableServiceLinks?: boolean; containers: { image: string }[] } } } }[] };
    const pods = list.items.filter((o) => o.kind === "DaemonSet");
    expect(pods).toHaveLength(2);
    for (const ds of pods) {
      expect(ds.spec?.template?.spec?.enableServiceLinks).toBe(false);
      expect(ds.spec?.template?.spec?.containers[0]?.image).toMatch(/^isthmus\/(gateway|route-agent):9\.9\.9$/);
    }
  });
});
