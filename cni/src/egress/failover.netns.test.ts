import { type ChildProcess, spawn } from "node:child_process";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNetns, connectNodesToLan, deleteNetns, netnsPath, requireRoot, sh, testNetnsName, waitFor } from "../testing/netns.js";

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
const nodeObject = (i: number) => ({ metadata: { name: `n${String(i + 1)}`, labels: i === 0 ? {} : { "isthmus.io/egress": "true" } }, spec: { podCIDR: `10.244.${String(i + 1)}.0/24` }, status: { addresses: [{ type: "InternalIP", address: `198.18.244.${String(11 + i)}` }], conditions: ready } });

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

/** ADDs the pod on n1 through the installed launcher, as a runtime would (its fixed IP comes from the annotation). */
async function addPod(): Promise<void> {
  const dir = nodeDir(0);
  const list = JSON.parse(await readFile(join(dir, "net.d", "10-isthmus.conflist"), "utf8")) as { cniVersion: string; name: string; plugins: Record<string, unknown>[] };
  const child = spawn("ip", ["netns", "exec", nodes[0] ?? "", join(dir, "bin", "isthmus-cni")], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CNI_COMMAND: "ADD", CNI_CONTAINERID: "c-sel", CNI_NETNS: netnsPath(pod), CNI_IFNAME: "eth0", CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=app;K8S_POD_NAME=sel;K8S_POD_UID=uid-sel" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stdin.end(JSON.stringify({ ...list.plugins[0], cniVersion: list.cniVersion, name: list.name }));
  expect(await exited(child), out).toBe(0);
  expect(out).toContain(`"address":"${podIp}/24"`);
}

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

/** n3 holds the egress IP and n1 steers to it. */
const switched = async (): Promise<boolean> => (await holds(2)) && (await sh(["ip", "route", "show", "table", "7101"], nodes[0])).includes("via 10.244.3.0 dev isthmus.1");

/**
 * Waits until the standby serves and traffic is steady again after `killedAt`, then prints the
 * loss window: from the first attempt after the kill that failed to the next one that got
 * through (attempts start every 50 ms, so that is the resolution).
 */
async function lossWindow(what: string, killedAt: number): Promise<void> {
  await waitFor(`n3 to serve after ${what}`, switched, 20_000);
  const settled = attempts.length;
  await waitSteady("steady traffic through the egress IP", () => attempts.length > settled + 5 && steady(), 20_000);
  const after = attempts.filter((a) => a.start >= killedAt);
  const firstLost = after.findIndex((a) => a.seen === null);
  const resumed = firstLost < 0 ? undefined : after.slice(firstLost).find((a) => a.seen === egressIp);
  const lost = after.filter((a) => a.seen === null).length;
  const window = firstLost < 0 ? 0 : (resumed?.start ?? Number.NaN) - (after[firstLost]?.start ?? Number.NaN);
  const load = (await readFile("/proc/loadavg", "utf8")).split(" ")[0] ?? "?";
  console.log(`egress failover (${what}): loss window ${String(window)} ms (first lost attempt ${firstLost < 0 ? "none" : `${String((after[firstLost]?.start ?? 0) - killedAt)} ms after the kill`}), ${String(lost)} attempts lost in all (one every 50 ms, 300 ms timeout); load ${load}`);
  // Whatever got through used the egress IP: never the pod node's own address.
  expect(after.filter((a) => a.seen !== null && a.seen !== egressIp)).toEqual([]);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "isthmus-test-cni-egress-failover-"));
  for (const ns of [lan, outside, pod, ...nodes]) await addNetns(ns);
  await connectNodesToLan(lan, nodes, { subnet: "198.18.244", router: true });
  await sh(["ip", "link", "add", "wan", "netns", lan, "type", "veth", "peer", "name", "eth0", "netns", outside]);
  await sh(["ip", "addr", "add", "203.0.113.1/24", "dev", "wan"], lan);
  await sh(["ip", "link", "set", "wan", "up"], lan);
  await sh(["ip", "addr", "add", `${outsideIp}/24`, "dev", "eth0"], outside);
  await sh(["ip", "link", "set", "eth0", "up"], outside);
  await sh(["ip", "route", "add", "default", "via", "203.0.113.1"], outside);
  const state = {
    nodes: nodes.map((_, i) => nodeObject(i)),
    pods: [{ metadata: { name: "sel", namespace: "app", uid: "uid-sel", labels: { egress: "yes" }, annotations: { "isthmus.io/ip-address": podIp } }, spec: { nodeName: "n1", containers: [] }, status: { phase: "Running", podIP: podIp } }],
    namespaces: [{ metadata: { name: "app", labels: {} } }],
    egressgateways: [{ apiVersion: "isthmus.io/v1alpha1", kind: "EgressGateway", metadata: { name: "db-egress", creationTimestamp: "2026-12-06T00:00:00Z", generation: 1 }, spec: { podSelector: { matchLabels: { egress: "yes" } }, nodeSelector: { matchLabels: { "isthmus.io/egress": "true" } }, egressIP: `${egressIp}/24` } }],
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
  await addPod();
  await waitFor("n2 to hold the egress IP", () => holds(1), 60_000);
  const client = inNs(pod, [process.execPath, "-e", [
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
  client.stderr?.on("data", (b: Buffer) => { clientErr = (clientErr + b.toString()).slice(-4096); });
  let rest = "";
  client.stdout?.on("data", (b: Buffer) => {
    const lines = (rest + b.toString()).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) attempts.push(JSON.parse(line) as Attempt);
  });
  await waitSteady("steady traffic through the egress IP", () => steady(), 60_000);
}, 300_000);

afterAll(async () => {
  for (const h of helpers) h.kill("SIGKILL");
  for (const i of nodes.keys()) await kill(i);
  for (const api of apis) api.kill("SIGTERM");
  await deleteNetns(pod, outside, ...nodes, lan);
  if (work !== "") await rm(work, { recursive: true, force: true });
});

describe("egress failover by probing (three isthmus-node processes)", () => {
  it("the active egress node loses its link: the standby takes the egress IP and the pod node switches to it", async () => {
    expect(await holds(2)).toBe(false);
    const killedAt = Date.now();
    await sh(["ip", "link", "set", "eth0", "down"], nodes[1]);
    await lossWindow("n2's link down", killedAt);
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
      try {
        await waitFor("n3 to take the address and the router to learn it at n3's MAC", async () => (await holds(2)) && (await routerAt(n3Mac)), 20_000);
        expect(await holds(1)).toBe(true);
      } finally {
        await sh(["nft", "delete", "table", "ip", "isthmus-test"], nodes[2]);
      }
      await waitFor("n3 to give the address back", async () => !(await holds(2)), 20_000);
      // n3 tells its peers it released the address; n2, which serves it, announces it again.
      await waitFor("the router back at n2's MAC", () => routerAt(n2Mac), 10_000);
    } finally {
      client?.kill("SIGCONT");
    }
    const before = attempts.length;
    await waitSteady("steady traffic through the egress IP", () => attempts.length > before + 5 && steady(), 20_000);
  });

  it("the active egress node's agent is killed: the standby takes over with the same egress IP", async () => {
    const killedAt = Date.now();
    await kill(1);
    await lossWindow("n2's agent killed", killedAt);
  });
});
