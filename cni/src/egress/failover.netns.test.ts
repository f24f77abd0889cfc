import { type ChildProcess, spawn } from "node:child_process";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNetns, connectNodesToLan, deleteNetns, netnsPath, requireRoot, sh, testNetnsName, waitFor } from "../testing/netns.js";
import { hashNode } from "./plan.js";

requireRoot();

// Failover of the egress node by probing (ADR 0407), with three real isthmus-node processes
// (cni/dist/node-main.js, build first): n1 holds the selected pod, n2 and n3 may serve; each
// node talks to its own copy of the minimal API (cni/dist/testing/fake-apiserver.js, on its
// loopback, same objects), so the only path between the nodes is the LAN. The LAN namespace is
// also the router to the "outside" host on a WAN bridge, whose server answers each connection
// with the source address it sees. A client in the pod connects every 50 ms (300 ms timeout);
// the active egress node is killed (links down, or its agent SIGKILLed) during that loop.
const lan = testNetnsName("fl");
const outside = testNetnsName("fo");
const nodes = [testNetnsName("f1"), testNetnsName("f2"), testNetnsName("f3")];
const pod = testNetnsName("fp");
const dist = (p: string) => fileURLToPath(new URL(`../../dist/${p}`, import.meta.url));
const apiPort = 16463;
const egressIp = "198.18.244.50";
const outsideIp = "203.0.113.10";
const podIp = "10.244.1.10";
const nodeIp = (i: number): string => `198.18.244.${String(11 + i)}`;
/**
 * Two more pods on n1, of resource `spread` (distribution hash over n2 and n3): the first two
 * addresses that hash to n2 and to n3, so one pod leaves through each node with its address.
 */
const spreadIps = ["n2", "n3"].map((node) => Array.from({ length: 40 }, (_, i) => `10.244.1.${String(20 + i)}`).find((ip) => hashNode("spread", ip, [{ name: "n2" }, { name: "n3" }]).name === node) ?? "none");
const spreadPods = spreadIps.map((ip, i) => ({ name: `spread-${String(i)}`, ns: testNetnsName(`fs${String(i)}`), ip, through: nodeIp(i + 1) }));
let work = "";
const apis: ChildProcess[] = [];
const agents: (ChildProcess | undefined)[] = [];
const helpers: ChildProcess[] = [];
/** The last lines each agent logged (at debug), printed when traffic does not settle. */
const agentLogs: string[][] = [[], [], []];
/** What the pod's client and the outside server wrote on stderr (the last 4 KiB each). */
let clientErr = "";
let serverErr = "";

/** One connection of the pod's client: when it started, the address the outside host saw (null: lost), and why it was lost. */
interface Attempt { readonly start: number; readonly seen: string | null; readonly why?: string }
const attempts: Attempt[] = [];

const ready = [{ type: "Ready", status: "True" }];
const nodeObject = (i: number) => ({ metadata: { name: `n${String(i + 1)}`, labels: i === 0 ? {} : { "isthmus.io/egress": "true" } }, spec: { podCIDR: `10.244.${String(i + 1)}.0/24` }, status: { addresses: [{ type: "InternalIP", address: nodeIp(i) }], conditions: ready } });
const podObject = (name: string, ip: string, egress: string) => ({ metadata: { name, namespace: "app", uid: `uid-${name}`, labels: { egress }, annotations: { "isthmus.io/ip-address": ip } }, spec: { nodeName: "n1", containers: [] }, status: { phase: "Running", podIP: ip } });

function inNs(ns: string, argv: string[]): ChildProcess {
  return spawn("ip", ["netns", "exec", ns, ...argv], { stdio: ["pipe", "pipe", "pipe"] });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => { resolve(code); }));
}

function nodeDir(i: number): string {
  return join(work, `n${String(i + 1)}`);
}

function startAgent(i: number): ChildProcess {
  const dir = nodeDir(i);
  const child = inNs(nodes[i] ?? "", [process.execPath, dist("node-main.js"), "--node-name", `n${String(i + 1)}`, "--kubeconfig", join(work, "kubeconfig"), "--cni-bin-dir", join(dir, "bin"), "--cni-conf-dir", join(dir, "net.d"), "--data-dir", join(dir, "ipam"), "--socket", join(dir, "cni.sock"), "--metrics-port", "0", "--log-level", "debug"]);
  const log = agentLogs[i] ?? [];
  const keep = (b: Buffer): void => {
    log.push(...b.toString().split("\n").filter((l) => l !== ""));
    log.splice(0, Math.max(0, log.length - 300));
  };
  child.stderr?.on("data", keep);
  child.stdout?.on("data", keep);
  agents[i] = child;
  return child;
}

async function kill(i: number): Promise<void> {
  const child = agents[i];
  agents[i] = undefined;
  if (child?.exitCode !== null) return;
  const done = exited(child);
  child.kill("SIGKILL");
  await done;
}

/** ADDs a pod on n1 through the installed launcher, as a runtime would (its fixed IP comes from the annotation). */
async function addPod(name: string, ns: string, ip: string): Promise<void> {
  const dir = nodeDir(0);
  const list = JSON.parse(await readFile(join(dir, "net.d", "10-isthmus.conflist"), "utf8")) as { cniVersion: string; name: string; plugins: Record<string, unknown>[] };
  const child = spawn("ip", ["netns", "exec", nodes[0] ?? "", join(dir, "bin", "isthmus-cni")], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CNI_COMMAND: "ADD", CNI_CONTAINERID: `c-${name}`, CNI_NETNS: netnsPath(ns), CNI_IFNAME: "eth0", CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=app;K8S_POD_NAME=${name};K8S_POD_UID=uid-${name}` },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stdin.end(JSON.stringify({ ...list.plugins[0], cniVersion: list.cniVersion, name: list.name }));
  expect(await exited(child), out).toBe(0);
  expect(out).toContain(`"address":"${ip}/24"`);
}

/** A client in pod namespace `ns` that connects to the outside host every 50 ms (300 ms timeout) and appends each attempt to `into`. */
function startClient(ns: string, into: Attempt[]): ChildProcess {
  const client = inNs(ns, [process.execPath, "-e", [
    `const net = require("node:net");`,
    `setInterval(() => {`,
    `  const start = Date.now(); let buf = ""; let fin = false;`,
    `  const s = net.connect({ host: ${JSON.stringify(outsideIp)}, port: 8080 });`,
    `  const end = (seen, why) => { if (fin) return; fin = true; clearTimeout(t); s.destroy(); process.stdout.write(JSON.stringify({ start, seen, why }) + "\\n"); };`,
    `  const t = setTimeout(() => end(null, "timeout"), 300);`,
    `  s.on("data", (d) => { buf += d; }); s.on("end", () => end(buf.trim() || null, "empty")); s.on("error", (e) => end(null, e.code));`,
    `}, 50);`,
  ].join("\n")]);
  helpers.push(client);
  let rest = "";
  client.stdout?.on("data", (b: Buffer) => {
    const lines = (rest + b.toString()).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) into.push(JSON.parse(line) as Attempt);
  });
  return client;
}

/**
 * The loss window of `list` after `killedAt`: from the first attempt that failed to the next one
 * seen with `address` (attempts start every 50 ms, so that is the resolution).
 */
function windowOf(list: readonly Attempt[], killedAt: number, address: string): { readonly window: number; readonly firstLost?: number; readonly lost: number } {
  const after = list.filter((a) => a.start >= killedAt);
  const first = after.findIndex((a) => a.seen === null);
  const lost = after.filter((a) => a.seen === null).length;
  if (first < 0) return { window: 0, lost };
  const resumed = after.slice(first).find((a) => a.seen === address);
  const start = after[first]?.start ?? Number.NaN;
  return { window: (resumed?.start ?? Number.NaN) - start, firstLost: start - killedAt, lost };
}

const loadAverage = async (): Promise<string> => (await readFile("/proc/loadavg", "utf8")).split(" ")[0] ?? "?";

const holds = async (i: number): Promise<boolean> => (await sh(["ip", "-4", "addr", "show", "dev", "eth0"], nodes[i])).includes(`${egressIp}/32`);
/** The last `n` attempts all saw the egress IP. */
const steady = (n = 5): boolean => attempts.length >= n && attempts.slice(-n).every((a) => a.seen === egressIp);

/** The last attempts and what the nodes and the router hold (for a failure's message). */
async function situation(): Promise<string> {
  const last = attempts.slice(-8).map((a) => a.seen ?? `lost (${a.why ?? "?"})`).join(" ");
  const client = helpers[1];
  const since = attempts.length === 0 ? "none yet" : `${String(attempts.length)} attempts, the last started ${String(Date.now() - (attempts.at(-1)?.start ?? 0))} ms ago`;
  const route = (await sh(["ip", "route", "show", "table", "7101"], nodes[0]).catch(() => "?")).trim();
  const neigh = (await sh(["ip", "neigh", "show", egressIp], lan).catch(() => "?")).trim();
  const server = helpers[0];
  return `outside server: exit code ${String(server?.exitCode)}, signal ${String(server?.signalCode)}${serverErr === "" ? "" : `, stderr (end): ${serverErr.trim().slice(-600)}`}; client: ${since}, exit code ${String(client?.exitCode)}; last attempts: ${last}; n2 holds: ${String(await holds(1))}, n3 holds: ${String(await holds(2))}; n1 table 7101: ${route || "empty"}; router: ${neigh || "no entry"}`;
}

/** Everything the kernels of the nodes and the router hold that the egress path uses, and the agents' last log lines. */
async function dump(): Promise<string> {
  const run = async (ns: string, argv: string[]): Promise<string> => `# ${argv.join(" ")}\n${(await sh(argv, ns).catch((err: unknown) => `failed: ${String(err)}`)).trim()}`;
  const parts: string[] = [];
  for (const [name, ns] of [["n1", nodes[0]], ["n2", nodes[1]], ["n3", nodes[2]], ["router", lan]] as const) {
    const cmds = [["ip", "-br", "link"], ["ip", "-4", "addr"], ["ip", "rule"], ["ip", "route", "show", "table", "all"], ["ip", "neigh"], ["bridge", "fdb", "show", "dev", name === "router" ? "br0" : "isthmus.1"], ["nft", "list", "ruleset"], ["conntrack", "-L", "-p", "tcp", "--dport", "8080"], ["sysctl", "net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter"]];
    parts.push(`==== ${name}`, ...(await Promise.all(cmds.map((c) => run(ns ?? "", c)))));
  }
  parts.push("==== outside", await run(outside, ["ss", "-tan"]));
  parts.push("==== pod", ...(await Promise.all([["ip", "-4", "addr"], ["ip", "route"], ["ip", "neigh"], ["ss", "-tan"]].map((c) => run(pod, c)))));
  parts.push("==== the pod's client on stderr", clientErr);
  for (const [i, log] of agentLogs.entries()) parts.push(`==== agent n${String(i + 1)} (last ${String(log.length)} lines)`, ...log);
  return parts.join("\n");
}

/** Like waitFor, with the situation in the error and everything else on stderr. */
async function waitSteady(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  try {
    await waitFor(what, () => Promise.resolve(check()), timeoutMs);
  } catch (err) {
    const message = `${err instanceof Error ? err.message : String(err)}: ${await situation()}`;
    process.stderr.write(`${message}\n${await dump()}\n`);
    throw new Error(message, { cause: err });
  }
}

/** Names of the LAN's link-layer addresses (the nodes' eth0, the router's br0), for the timeline. */
const macNames = new Map<string, string>();

/** One line of the failover's timeline: when (ms since the epoch) and what. */
interface TimelineEntry { readonly t: number; readonly text: string }

/**
 * What the LAN saw around a failover, printed with its loss window: every ARP frame and every
 * TCP SYN, SYN-ACK and RST to or from the outside server through the router (tcpdump on the
 * router's bridge, with link-layer addresses: which node carried the pod's connection, which node
 * the router sent the answer to), and the router's neighbour entry for the egress IP.
 */
async function startCapture(): Promise<{ readonly events: TimelineEntry[]; stop(): Promise<void> }> {
  const events: TimelineEntry[] = [];
  const name = (text: string): string => text.replace(/\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b/g, (m: string) => macNames.get(m) ?? m);
  const tcpdump = inNs(lan, ["tcpdump", "-l", "-n", "-e", "-tt", "-i", "br0", "arp or (tcp port 8080 and tcp[tcpflags] & (tcp-syn|tcp-rst) != 0)"]);
  const monitor = inNs(lan, ["ip", "-ts", "monitor", "neigh", "dev", "br0"]);
  helpers.push(tcpdump, monitor);
  const lines = (child: ChildProcess, parse: (line: string) => TimelineEntry | undefined): void => {
    let rest = "";
    child.stdout?.on("data", (b: Buffer) => {
      const all = (rest + b.toString()).split("\n");
      rest = all.pop() ?? "";
      for (const line of all) {
        const e = parse(line);
        if (e !== undefined) events.push(e);
      }
    });
  };
  lines(tcpdump, (line) => {
    const m = /^(\d+\.\d+) (.*?), ethertype (?:ARP|IPv4) \(0x0[0-9a-f]+\), length \d+: (.*?)(?:, length \d+|, seq .*|, win .*)?$/.exec(line);
    return m === null ? undefined : { t: Number(m[1]) * 1000, text: `wire ${name(`${m[2] ?? ""}: ${m[3] ?? ""}`)}` };
  });
  lines(monitor, (line) => {
    // `ip -ts` stamps each line, sometimes twice: the last stamp is the event's.
    const m = /^(?:\[[^\]]*\] )*\[([0-9T:.-]+)\] (.*)$/.exec(line);
    if (m === null || !(m[2] ?? "").startsWith(`${egressIp} `)) return undefined;
    return { t: new Date((m[1] ?? "").slice(0, 23)).getTime(), text: `router's entry: ${name(m[2] ?? "")}` };
  });
  let heard = "";
  tcpdump.stderr?.on("data", (b: Buffer) => { heard += b.toString(); });
  await waitFor("tcpdump on the router's bridge", () => Promise.resolve(heard.includes("listening on")), 10_000);
  return {
    events,
    async stop() {
      for (const child of [tcpdump, monitor]) {
        const done = exited(child);
        child.kill("SIGTERM");
        await done;
      }
    },
  };
}

/** The agents' log lines that say what they did (liveness, passes), as timeline events. */
function agentEvents(): TimelineEntry[] {
  return agentLogs.flatMap((log, i) => log.flatMap((line) => {
    try {
      const l = JSON.parse(line) as { time?: string; msg?: string; unreachable?: string[]; changes?: string[]; announced?: string[] };
      if (l.time === undefined || l.msg === undefined || !/liveness changed|applied|announced again|repaired/.test(l.msg)) return [];
      const detail = [...(l.unreachable === undefined ? [] : [`unreachable [${l.unreachable.join(", ")}]`]), ...(l.changes ?? []), ...(l.announced === undefined ? [] : [`announced ${l.announced.join(", ")}`])];
      return [{ t: new Date(l.time).getTime(), text: `n${String(i + 1)} ${l.msg}: ${detail.join("; ")}` }];
    } catch {
      return [];
    }
  }));
}

/** n3 holds the egress IP and n1 steers to it. */
const switched = async (): Promise<boolean> => (await holds(2)) && (await sh(["ip", "route", "show", "table", "7101"], nodes[0])).includes("via 10.244.3.0 dev isthmus.1");

/**
 * Waits until the standby serves and traffic is steady again after `killedAt`, then prints the
 * loss window: from the first attempt after the kill that failed to the next one that got
 * through (attempts start every 50 ms, so that is the resolution).
 */
async function lossWindow(what: string, killedAt: number, capture: Awaited<ReturnType<typeof startCapture>>): Promise<void> {
  await waitFor(`n3 to serve after ${what}`, switched, 20_000);
  const settled = attempts.length;
  await waitSteady("steady traffic through the egress IP", () => attempts.length > settled + 5 && steady(), 20_000);
  await capture.stop();
  const after = attempts.filter((a) => a.start >= killedAt);
  const { window, firstLost, lost } = windowOf(attempts, killedAt, egressIp);
  const load = await loadAverage();
  const end = killedAt + (firstLost === undefined ? 3_000 : firstLost + window) + 1_500;
  const lostAt = new Set(after.filter((a) => a.seen === null).map((a) => a.start));
  const timeline = [
    ...capture.events,
    ...agentEvents(),
    ...after.map((a) => ({ t: a.start, text: `attempt: ${a.seen ?? `lost (${a.why ?? "?"})`}` })),
  ].filter((e) => e.t >= killedAt - 100 && e.t <= end).sort((a, b) => a.t - b.t);
  // Runs of attempts that got through are one line each: the timeline is about what changed.
  const shown = timeline.filter((e, i) => !(e.text.startsWith("attempt: ") && !lostAt.has(e.t) && timeline[i - 1]?.text === e.text));
  console.log([
    `egress failover (${what}): loss window ${String(window)} ms (first lost attempt ${firstLost === undefined ? "none" : `${String(firstLost)} ms after the kill`}), ${String(lost)} attempts lost in all (one every 50 ms, 300 ms timeout); load ${load}; timeline (ms after the kill):`,
    ...shown.map((e) => `  ${String(Math.round(e.t - killedAt)).padStart(6)} ${e.text}`),
  ].join("\n"));
  // Whatever got through used the egress IP: never the pod node's own address.
  expect(after.filter((a) => a.seen !== null && a.seen !== egressIp)).toEqual([]);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-egress-failover-"));
  for (const ns of [lan, outside, pod, ...spreadPods.map((p) => p.ns), ...nodes]) await addNetns(ns);
  await connectNodesToLan(lan, nodes, { subnet: "198.18.244", router: true });
  await sh(["ip", "link", "add", "wan", "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", outside]);
  await sh(["ip", "addr", "add", "203.0.113.1/24", "dev", "wan"], lan);
  await sh(["ip", "link", "set", "wan", "up"], lan);
  await sh(["ip", "addr", "add", `${outsideIp}/24`, "dev", "eth0"], outside);
  await sh(["ip", "link", "set", "eth0", "up"], outside);
  await sh(["ip", "route", "add", "default", "via", "203.0.113.1"], outside);
  const state = {
    nodes: nodes.map((_, i) => nodeObject(i)),
    pods: [podObject("sel", podIp, "yes"), ...spreadPods.map((p) => podObject(p.name, p.ip, "hash"))],
    namespaces: [{ metadata: { name: "app", labels: {} } }],
    egressgateways: [
      { apiVersion: "isthmus.io/v1alpha1", kind: "EgressGateway", metadata: { name: "db-egress", creationTimestamp: "2026-12-06T00:00:00Z", generation: 1 }, spec: { podSelector: { matchLabels: { egress: "yes" } }, nodeSelector: { matchLabels: { "isthmus.io/egress": "true" } }, egressIP: `${egressIp}/24` } },
      { apiVersion: "isthmus.io/v1alpha1", kind: "EgressGateway", metadata: { name: "spread", creationTimestamp: "2026-12-06T00:00:01Z", generation: 1 }, spec: { podSelector: { matchLabels: { egress: "hash" } }, nodeSelector: { matchLabels: { "isthmus.io/egress": "true" } }, distribution: "hash" } },
    ],
  };
  await writeFile(join(work, "state.json"), JSON.stringify(state));
  await writeFile(join(work, "kubeconfig"), JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "fake", cluster: { server: `http://127.0.0.1:${String(apiPort)}`, "insecure-skip-tls-verify": true } }], users: [{ name: "node", user: { token: "test" } }], contexts: [{ name: "fake", context: { cluster: "fake", user: "node" } }], "current-context": "fake" }));
  for (const ns of nodes) {
    const api = inNs(ns, [process.execPath, dist("testing/fake-apiserver.js"), String(apiPort), join(work, "state.json")]);
    apis.push(api);
    await new Promise((resolve) => api.stdout?.once("data", resolve));
  }
  // A connection reset by its peer must not end the server: during a failover the new holder of
  // the egress IP resets connections it never saw (no conntrack entry), and the client gives up
  // after 300 ms; without this handler the first such reset killed the server (an unhandled
  // 'error' event), every later attempt was refused and all three tests failed.
  const server = inNs(outside, [process.execPath, "-e", `require("node:net").createServer((s) => { s.on("error", (e) => { process.stderr.write("reset: " + e.code + "\\n"); }); s.end(s.remoteAddress + "\\n"); }).listen(8080, "0.0.0.0")`]);
  helpers.push(server);
  server.stderr?.on("data", (b: Buffer) => { serverErr = (serverErr + b.toString()).slice(-4096); });
  await waitFor("the outside server", async () => (await sh(["ss", "-ltn"], outside)).includes(":8080 "));
  for (const i of nodes.keys()) startAgent(i);
  // Three agents starting at once on a loaded 2-core machine: generous deadlines.
  await waitFor("n1's conflist", () => access(join(nodeDir(0), "net.d", "10-isthmus.conflist")).then(() => true, () => false), 90_000);
  await addPod("sel", pod, podIp);
  for (const p of spreadPods) await addPod(p.name, p.ns, p.ip);
  await waitFor("n2 to hold the egress IP", () => holds(1), 60_000);
  // helpers[1]: the pod's client (paused by the wrong-takeover test).
  const client = startClient(pod, attempts);
  client.stderr?.on("data", (b: Buffer) => { clientErr = (clientErr + b.toString()).slice(-4096); });
  await waitSteady("steady traffic through the egress IP", () => steady(), 60_000);
  for (const [name, ns, dev] of [["n1", nodes[0], "eth0"], ["n2", nodes[1], "eth0"], ["n3", nodes[2], "eth0"], ["router", lan, "br0"]] as const) {
    const [link] = JSON.parse(await sh(["ip", "-j", "link", "show", "dev", dev], ns)) as { address?: string }[];
    if (link?.address !== undefined) macNames.set(link.address, name);
  }
}, 300_000);

afterAll(async () => {
  for (const h of helpers) h.kill("SIGKILL");
  for (const i of nodes.keys()) await kill(i);
  for (const api of apis) api.kill("SIGTERM");
  await deleteNetns(pod, ...spreadPods.map((p) => p.ns), outside, ...nodes, lan);
  if (work !== "") await rm(work, { recursive: true, force: true });
});

describe("egress failover by probing (three isthmus-node processes)", () => {
  it("the active egress node loses its link: the standby takes the egress IP and the pod node switches to it", async () => {
    // On a loaded machine a starved prober can make n3 take the address for a moment (and give it back).
    await waitFor("n2 alone to hold the egress IP", async () => (await holds(1)) && !(await holds(2)), 20_000);
    const capture = await startCapture();
    const killedAt = Date.now();
    await sh(["ip", "link", "set", "eth0", "down"], nodes[1]);
    await lossWindow("n2's link down", killedAt, capture);
    // n2, cut off from every peer, gave the address up: nothing to take back when it returns.
    await waitFor("n2 to give up the egress IP", async () => !(await holds(1)), 10_000);
  });

  it("when n2's link comes back it serves again (first by name), announces the address, and traffic keeps the egress IP", async () => {
    const before = attempts.length;
    await sh(["ip", "link", "set", "eth0", "up"], nodes[1]);
    await sh(["ip", "route", "replace", "default", "via", "198.18.244.1"], nodes[1]);
    await waitFor("n2 to hold the egress IP again and n3 to let it go", async () => (await holds(1)) && !(await holds(2)), 20_000);
    await waitSteady("steady traffic through the egress IP", () => attempts.length > before + 5 && steady(), 20_000);
  });

  it("a standby that wrongly took the address and gave it back leaves the router at the serving node's MAC", async () => {
    const mac = async (i: number): Promise<string> => (JSON.parse(await sh(["ip", "-j", "link", "show", "dev", "eth0"], nodes[i])) as { address: string }[])[0]?.address ?? "?";
    const [n2Mac, n3Mac] = [await mac(1), await mac(2)];
    const routerAt = async (m: string): Promise<boolean> => (await sh(["ip", "neigh", "show", egressIp], lan)).includes(`lladdr ${m}`);
    await waitFor("n2 to serve and the router to know it at n2", async () => (await holds(1)) && (await routerAt(n2Mac)), 20_000);
    // No traffic while this runs: the router's entry then changes only by announcements, not by
    // its own re-probing of a stale entry (which would find n2 after some seconds anyway).
    const client = helpers[1];
    client?.kill("SIGSTOP");
    try {
      // n3 stops hearing n2's answers to its probes (n2 still hears n3's, n1 hears both): n3 alone
      // finds n2 dead, takes the address and announces it, while n2 serves and sees nothing change.
      const answerMagic = `0x${Buffer.from("ISTHEGA1").toString("hex")}`;
      const drop = join(work, "drop-n2-answers.nft");
      await writeFile(drop, `add table ip isthmus-test\nadd chain ip isthmus-test in { type filter hook input priority -10; }\nadd rule ip isthmus-test in ip saddr 198.18.244.12 udp dport 4801 @th,64,64 ${answerMagic} drop\n`);
      await sh(["nft", "-f", drop], nodes[2]);
      // n2 loses the first release n3 sends it (a set remembers the sender): only a repeat can reach it.
      const releaseMagic = `0x${Buffer.from("ISTHEGR1").toString("hex")}`;
      const lose = join(work, "lose-first-release.nft");
      await writeFile(lose, `add table ip isthmus-test\nadd set ip isthmus-test seen { type ipv4_addr; flags dynamic; }\nadd chain ip isthmus-test in { type filter hook input priority -10; }\nadd rule ip isthmus-test in ip saddr 198.18.244.13 udp dport 4801 @th,64,64 ${releaseMagic} ip saddr != @seen update @seen { ip saddr } counter drop\n`);
      await sh(["nft", "-f", lose], nodes[1]);
      try {
        await waitFor("n3 to take the address and the router to learn it at n3's MAC", async () => (await holds(2)) && (await routerAt(n3Mac)), 20_000);
        expect(await holds(1)).toBe(true);
      } finally {
        await sh(["nft", "delete", "table", "ip", "isthmus-test"], nodes[2]);
      }
      await waitFor("n3 to give the address back", async () => !(await holds(2)), 20_000);
      // n3 tells its peers it released the address, again until n2 confirms; n2, which serves it, announces it again.
      await waitFor("the router back at n2's MAC", () => routerAt(n2Mac), 10_000);
      expect(await sh(["nft", "list", "chain", "ip", "isthmus-test", "in"], nodes[1])).toContain("counter packets 1 ");
    } finally {
      client?.kill("SIGCONT");
      await sh(["nft", "delete", "table", "ip", "isthmus-test"], nodes[1]).catch(() => "");
    }
    const before = attempts.length;
    await waitSteady("steady traffic through the egress IP", () => attempts.length > before + 5 && steady(), 20_000);
  });

  it("spread by hash: one of its two egress nodes loses its link; only the pod hashed to it moves, to the other node", async () => {
    const seen = spreadPods.map((): Attempt[] => []);
    const clients = spreadPods.map((p, i) => startClient(p.ns, seen[i] ?? []));
    const [a, b] = seen as [Attempt[], Attempt[]];
    const [throughN2, throughN3] = spreadPods.map((p) => p.through) as [string, string];
    const steadyOn = (list: readonly Attempt[], address: string, from: number): boolean => list.length >= from + 5 && list.slice(-5).every((x) => x.seen === address);
    try {
      await waitFor("each spread pod seen with its own egress node's address", () => Promise.resolve(steadyOn(a, throughN2, 0) && steadyOn(b, throughN3, 0)), 30_000);
      const killedAt = Date.now();
      await sh(["ip", "link", "set", "eth0", "down"], nodes[2]);
      try {
        const from = b.length;
        await waitFor("the pod hashed to n3 to leave through n2", () => Promise.resolve(steadyOn(b, throughN2, from)), 20_000);
        const moved = windowOf(b, killedAt, throughN2);
        const stayed = a.filter((x) => x.start >= killedAt);
        const addresses = (list: readonly Attempt[]): string => [...new Set(list.flatMap((x) => (x.seen === null ? [] : [x.seen])))].join(", ");
        console.log(`egress failover, spread by hash (n3's link down): the pod hashed to n3 lost ${String(moved.lost)} attempts, loss window ${String(moved.window)} ms (first lost attempt ${moved.firstLost === undefined ? "none" : `${String(moved.firstLost)} ms after the kill`}), seen since as ${addresses(b.filter((x) => x.start >= killedAt))}; the pod hashed to n2 lost ${String(stayed.filter((x) => x.seen === null).length)} of ${String(stayed.length)} attempts, seen as ${addresses(stayed)}; load ${await loadAverage()}`);
        // Only the dead node's pod moved; neither left through anything but its egress nodes.
        expect(stayed.filter((x) => x.seen !== null && x.seen !== throughN2)).toEqual([]);
        expect(b.filter((x) => x.start >= killedAt && x.seen !== null && x.seen !== throughN2 && x.seen !== throughN3)).toEqual([]);
      } finally {
        await sh(["ip", "link", "set", "eth0", "up"], nodes[2]);
        await sh(["ip", "route", "replace", "default", "via", "198.18.244.1"], nodes[2]);
      }
      // n3 answers again: its pod goes back to it (the next test needs n3 as the standby).
      const back = b.length;
      await waitFor("the pod hashed to n3 to leave through n3 again", () => Promise.resolve(steadyOn(b, throughN3, back)), 30_000);
    } finally {
      for (const c of clients) c.kill("SIGKILL");
    }
  });

  it("the active egress node's agent is killed: the standby takes over with the same egress IP", async () => {
    const capture = await startCapture();
    const killedAt = Date.now();
    await kill(1);
    await lossWindow("n2's agent killed", killedAt, capture);
  });
});
