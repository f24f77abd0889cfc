import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../system/command.js";
import { createIpTool } from "../system/ip.js";
import { createNetnsLab, execIn, ipIn, requireRoot, waitFor, type NetnsLab } from "../testing/netns.js";
import { applyGlobalNat, flushGlobalFlows, globalNatTable, readGlobalNatRole, removeGlobalNat, renderGlobalNat, type GlobalNatSpec } from "./global-nat.js";

// The translation of a cluster with the global block 242.1.0.0/16 on its gateway namespace, with
// real nftables and conntrack: a "remote" namespace stands for the other cluster behind the
// cable device (a veth here), two "pod" namespaces for the cluster's pods (10.244.1.5, .6).

let lab: NetnsLab;
let remote: string;
let gw: string;
let pods: string[];
const device = "isthmus-t";
const spec: GlobalNatSpec = {
  device,
  localCidrs: ["10.244.0.0/16"],
  egressIp: "242.1.0.1",
  services: [{ globalIp: "242.1.0.2", ports: [{ protocol: "TCP", port: 80, backends: [{ ip: "10.244.1.5", port: 8080 }, { ip: "10.244.1.6", port: 8080 }] }] }],
};

beforeAll(async () => {
  requireRoot();
  lab = createNetnsLab();
  remote = await lab.add("remote");
  gw = await lab.add("gw");
  pods = [await lab.add("pod5"), await lab.add("pod6")];
  await lab.link({ netns: remote, ifname: "eth0", address: "198.18.0.2/24" }, { netns: gw, ifname: device, address: "198.18.0.1/24" });
  // The other cluster reaches this one only through its global block.
  await ipIn(remote, ["route", "add", "242.1.0.0/16", "via", "198.18.0.1"]);
  await ipIn(gw, ["link", "add", "br0", "type", "bridge"]);
  await ipIn(gw, ["addr", "add", "10.244.1.1/24", "dev", "br0"]);
  await ipIn(gw, ["link", "set", "br0", "up"]);
  for (const [i, pod] of pods.entries()) {
    await lab.link({ netns: pod, ifname: "eth0", address: `10.244.1.${5 + i}/24` }, { netns: gw, ifname: `p${i}` });
    await ipIn(gw, ["link", "set", `p${i}`, "master", "br0"]);
    await ipIn(pod, ["route", "add", "default", "via", "10.244.1.1"]);
  }
}, 60_000);
afterAll(async () => {
  await lab.cleanup();
});

/** Starts a TCP server in `netns` that answers each connection with the address it came from. */
function peerEcho(netns: string, port: number): () => void {
  const abort = new AbortController();
  void runTool("socat", [`TCP-LISTEN:${port},fork,reuseaddr`, "SYSTEM:echo $SOCAT_PEERADDR $(hostname -I 2>/dev/null)"], { netns, timeoutMs: 60_000, signal: abort.signal }).catch(() => undefined);
  return () => {
    abort.abort();
  };
}

const listening = (netns: string, port: number) => async (): Promise<boolean> => (await execIn(netns, "ss", ["-ltnH", `sport = :${port}`])).trim() !== "";
const ask = (netns: string, address: string, port: number): Promise<string> => runTool("socat", ["-T", "3", "-", `TCP:${address}:${port},connect-timeout=3`], { netns, input: "", timeoutMs: 6_000 });

describe("global address translation on the gateway (nftables)", () => {
  it("DNATs a global service IP arriving through the cable to the backends and SNATs pods leaving through it", async () => {
    const stops = [...pods.map((pod) => peerEcho(pod, 8080)), peerEcho(remote, 9000)];
    try {
      for (const pod of pods) await waitFor("a backend to listen", listening(pod, 8080));
      await waitFor("the remote server to listen", listening(remote, 9000));
      const tool = createIpTool(gw);
      await applyGlobalNat(tool, spec, "passive");
      expect(await readGlobalNatRole(tool)).toBe("passive");
      await applyGlobalNat(tool, spec, "active");
      await applyGlobalNat(tool, spec, "active"); // idempotent: replaces the table
      expect(await readGlobalNatRole(tool)).toBe("active");

      // Ingress: the remote client dials the global IP; a backend answers, seeing the client's address.
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < 2; i++) {
        const answer = (await ask(remote, "242.1.0.2", 80)).trim();
        expect(answer.split(" ")[0]).toBe("198.18.0.2");
        seen.add(answer);
      }
      expect(seen.size).toBe(2); // both backends get connections
      // Egress: a pod dials the remote cluster and is seen as the cluster's egress address.
      expect((await ask(pods[0] ?? "", "198.18.0.2", 9000)).trim().split(" ")[0]).toBe("242.1.0.1");
      // Conntrack holds both translations.
      const entries = await execIn(gw, "conntrack", ["-L", "-p", "tcp"]).catch(() => "");
      expect(entries).toMatch(/dst=242\.1\.0\.2 .*src=10\.244\.1\.[56] dst=198\.18\.0\.2/);
      expect(entries).toMatch(/src=10\.244\.1\.5 dst=198\.18\.0\.2 .*src=198\.18\.0\.2 dst=242\.1\.0\.1/);

      // A passive gateway holds the same rules (a promotion changes none): what a remote sends it
      // early is translated too; only the table's comment differs.
      await applyGlobalNat(tool, spec, "passive");
      expect((await ask(remote, "242.1.0.2", 80)).trim().split(" ")[0]).toBe("198.18.0.2");
      expect(await readGlobalNatRole(tool)).toBe("passive");
      // A table without a comment was written by an agent that held one on the active gateway only.
      await runTool("nft", ["-f", "-"], { netns: gw, input: renderGlobalNat(spec, "active").replace(/^ {2}comment .*\n/m, "") });
      expect(await readGlobalNatRole(tool)).toBe("active");

      // Removed (the cluster has no block any more): nothing is translated any more.
      await removeGlobalNat(tool);
      await removeGlobalNat(tool);
      expect(await tool.hasNftTable("ip", globalNatTable)).toBe(false);
      expect(await readGlobalNatRole(tool)).toBeUndefined();
      await expect(ask(remote, "242.1.0.2", 80)).rejects.toThrow();
    } finally {
      for (const stop of stops) stop();
    }
  });

  it("re-tracks the flows a gateway tracked before it started translating, and those it translated before it stopped (failover)", async () => {
    const tool = createIpTool(gw);
    const pod = pods[0] ?? "";
    await removeGlobalNat(tool);
    await execIn(remote, "nft", ["add table ip seen"]);
    await execIn(remote, "nft", ["add chain ip seen input { type filter hook input priority filter; }"]);
    await execIn(remote, "nft", ["add rule ip seen input ip saddr 10.244.1.5 udp dport 9001 counter"]);
    await execIn(remote, "nft", ["add rule ip seen input ip saddr 242.1.0.1 udp dport 9001 counter"]);
    // NAT rules of someone else's (kube-proxy's, the CNI's) on the node turn connection tracking
    // on: a flow that passes them untranslated gets its NAT decided (none) at its first packet.
    await execIn(gw, "nft", ["add table ip other"]);
    await execIn(gw, "nft", ["add chain ip other postrouting { type nat hook postrouting priority srcnat; }"]);
    await execIn(gw, "nft", ["add rule ip other postrouting ip daddr 192.0.2.1 masquerade"]);
    // One UDP flow (same source port each time), as a pod's flow to another cluster.
    const send = (): Promise<string> => runTool("socat", ["-u", "-", "UDP:198.18.0.2:9001,sourceport=40000"], { netns: pod, input: "x" });
    const counts = async (): Promise<number[]> =>
      [...(await execIn(remote, "nft", ["list", "chain", "ip", "seen", "input"])).matchAll(/packets (\d+)/g)].map((m) => Number(m[1]));
    const seenAs = (untranslated: number, translated: number) => async (): Promise<boolean> => JSON.stringify(await counts()) === JSON.stringify([untranslated, translated]);
    try {
      await send();
      await waitFor("the first datagram, untranslated", seenAs(1, 0));
      await applyGlobalNat(tool, spec, "active");
      await send();
      // Tracked before the table existed, the flow keeps its (absent) translation.
      await waitFor("the second datagram, still untranslated", seenAs(2, 0));
      await flushGlobalFlows(gw, { localCidrs: ["10.244.0.0/16"], remoteCidrs: ["198.18.0.0/24"], globalCidrs: ["242.1.0.0/16"] });
      await send();
      await waitFor("the third datagram, translated", seenAs(2, 1));

      // Ingress: a remote that switched to this gateway early sent to a global IP before the table
      // was there; the node routed it on (here: back out), tracked untranslated.
      const udp: GlobalNatSpec = { ...spec, services: [{ globalIp: "242.1.0.2", ports: [{ protocol: "UDP", port: 9002, backends: [{ ip: "10.244.1.5", port: 9002 }] }] }] };
      await execIn(pod, "nft", ["add table ip seen"]);
      await execIn(pod, "nft", ["add chain ip seen input { type filter hook input priority filter; }"]);
      await execIn(pod, "nft", ["add rule ip seen input udp dport 9002 counter"]);
      const arrived = async (): Promise<number> => Number(/packets (\d+)/.exec(await execIn(pod, "nft", ["list", "chain", "ip", "seen", "input"]))?.[1] ?? -1);
      const dial = (): Promise<string> => runTool("socat", ["-u", "-", "UDP:242.1.0.2:9002,sourceport=40002"], { netns: remote, input: "x" });
      // What the gateway routes on untranslated comes back to the remote: count it there.
      await execIn(remote, "nft", ["add chain ip seen back { type filter hook prerouting priority filter; }"]);
      await execIn(remote, "nft", ["add rule ip seen back ip daddr 242.1.0.2 udp dport 9002 counter"]);
      const bounced = async (): Promise<number> => Number(/packets (\d+)/.exec(await execIn(remote, "nft", ["list", "chain", "ip", "seen", "back"]))?.[1] ?? -1);
      await removeGlobalNat(tool);
      await ipIn(gw, ["route", "add", "242.1.0.0/16", "via", "198.18.0.2"]);
      await dial();
      await waitFor("the early datagram routed on untranslated", async () => (await bounced()) === 1);
      await applyGlobalNat(tool, udp, "active");
      await dial();
      await waitFor("the next one too: its flow keeps no translation", async () => (await bounced()) === 2);
      expect(await arrived()).toBe(0);
      await ipIn(gw, ["route", "del", "242.1.0.0/16", "via", "198.18.0.2"]);
      await flushGlobalFlows(gw, { localCidrs: ["10.244.0.0/16"], remoteCidrs: ["198.18.0.0/24"], globalCidrs: ["242.1.0.0/16"] });
      await dial();
      await waitFor("the datagram DNATed to the backend", async () => (await arrived()) === 1);
      await flushGlobalFlows(gw, { localCidrs: ["10.244.0.0/16"], remoteCidrs: ["203.0.113.0/24"], globalCidrs: ["242.1.0.0/16"] }); // nothing to delete: fine

      // Demoted: the table goes, but the pod's flow tracked while translating keeps its SNAT (it
      // would leave with the egress address from a gateway that no longer owns it) until the flush.
      await send();
      await waitFor("the pod's flow, translated while the table is there", seenAs(2, 2));
      await removeGlobalNat(tool);
      await send();
      await waitFor("the same flow, still translated after the table went", seenAs(2, 3));
      await flushGlobalFlows(gw, { localCidrs: ["10.244.0.0/16"], remoteCidrs: ["198.18.0.0/24"], globalCidrs: ["242.1.0.0/16"] });
      await send();
      await waitFor("the flow tracked again, untranslated", seenAs(3, 3));
    } finally {
      await removeGlobalNat(tool);
      await execIn(remote, "nft", ["delete table ip seen"]);
      await execIn(gw, "nft", ["delete table ip other"]);
      await execIn(pod, "nft", ["delete table ip seen"]).catch(() => "");
      await ipIn(gw, ["route", "del", "242.1.0.0/16", "via", "198.18.0.2"]).catch(() => "");
    }
  });

  it("refuses a bad spec with a typed error and programs nothing", async () => {
    const tool = createIpTool(gw);
    const bad: GlobalNatSpec[] = [
      { ...spec, device: 'x" ; flush ruleset ; "' },
      { ...spec, egressIp: "242.1.0.300" },
      { ...spec, localCidrs: ["fd00::/64"] },
      { ...spec, services: [...spec.services, ...spec.services] },
      { ...spec, services: [{ globalIp: "242.1.0.3", ports: [{ protocol: "TCP", port: 0, backends: [] }] }] },
      { ...spec, services: [{ globalIp: "242.1.0.3", ports: [{ protocol: "TCP", port: 80, backends: [{ ip: "10.244.1.5", port: 70_000 }] }] }] },
      { ...spec, pods: [{ globalIp: "242.1.0.2", podIp: "10.244.1.6" }] },
      { ...spec, pods: [{ globalIp: "242.1.0.7", podIp: "fd00::6" }] },
      { ...spec, egress: [{ globalIp: "242.1.0.1", sources: ["10.244.1.5"] }] },
      { ...spec, egress: [{ globalIp: "242.1.0.2", sources: ["10.244.1.5"] }] },
      { ...spec, egress: [{ globalIp: "242.1.0.3", sources: ["10.244.1.5"] }, { globalIp: "242.1.0.4", sources: ["10.244.1.5"] }] },
      { ...spec, egress: [{ globalIp: "242.1.0.3", sources: ["10.244.1.0/24"] }] },
    ];
    for (const b of bad) {
      expect(() => renderGlobalNat(b, "active")).toThrow(expect.objectContaining({ code: "InvalidOptions" }));
      await expect(applyGlobalNat(tool, b, "passive")).rejects.toMatchObject({ code: "InvalidOptions" });
    }
    expect(await tool.hasNftTable("ip", globalNatTable)).toBe(false);
  });

  it("DNATs a headless pod's own global IP to the pod on every port; the server sees the remote client", async () => {
    const tool = createIpTool(gw);
    const pod = pods[1] ?? "";
    // Both pods serve 8080: the service's global IP, checked below too, balances over both.
    const stops = [...pods.map((p) => peerEcho(p, 8080)), peerEcho(pod, 5432)];
    try {
      for (const p of pods) await waitFor("a pod to listen on 8080", listening(p, 8080));
      await waitFor("the pod to listen on 5432", listening(pod, 5432));
      await applyGlobalNat(tool, { ...spec, pods: [{ globalIp: "242.1.0.7", podIp: "10.244.1.6" }] }, "active");
      for (const port of [8080, 5432]) expect((await ask(remote, "242.1.0.7", port)).trim()).toBe("198.18.0.2 10.244.1.6");
      // The service's global IP keeps its own rules beside the pod's.
      expect((await ask(remote, "242.1.0.2", 80)).trim().split(" ")[0]).toBe("198.18.0.2");
      await applyGlobalNat(tool, spec, "active");
      await expect(ask(remote, "242.1.0.7", 8080)).rejects.toThrow();
    } finally {
      for (const stop of stops) stop();
      await removeGlobalNat(tool);
    }
  });

  it("SNATs the pods of a GlobalEgressIP to its own address ahead of the egress address; replies come back to each pod", async () => {
    const tool = createIpTool(gw);
    const stop = peerEcho(remote, 9000);
    try {
      await waitFor("the remote server to listen", listening(remote, 9000));
      // pod5 is selected by a GlobalEgressIP holding 242.1.0.3; pod6 is not.
      await applyGlobalNat(tool, { ...spec, egress: [{ globalIp: "242.1.0.3", sources: ["10.244.1.5"] }] }, "active");
      const [pod5 = "", pod6 = ""] = pods;
      // The remote server answers with the address it sees; the answer reaching the pod is the reply path.
      expect((await ask(pod5, "198.18.0.2", 9000)).trim().split(" ")[0]).toBe("242.1.0.3");
      expect((await ask(pod6, "198.18.0.2", 9000)).trim().split(" ")[0]).toBe("242.1.0.1");
      // The selection moves to pod6 (a new connection takes the table as it is now).
      await applyGlobalNat(tool, { ...spec, egress: [{ globalIp: "242.1.0.4", sources: ["10.244.1.6"] }] }, "active");
      expect((await ask(pod5, "198.18.0.2", 9000)).trim().split(" ")[0]).toBe("242.1.0.1");
      expect((await ask(pod6, "198.18.0.2", 9000)).trim().split(" ")[0]).toBe("242.1.0.4");
    } finally {
      stop();
      await removeGlobalNat(tool);
    }
  });
});
