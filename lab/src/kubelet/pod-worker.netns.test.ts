import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSilentLogger } from "@isthmus/core/runtime";
import { parseKubeletConfig, type KubeletConfig } from "./config.js";
import type { Pod } from "./kube-types.js";
import { readPodState } from "./pod-state.js";
import { createPodRecord, syncPod, teardownPod, type PodWorkerDeps } from "./pod-worker.js";
import { isAlive } from "./process.js";

// The pod worker for real: a sandbox wired by the reference bridge + host-local plugins (run in a
// throwaway "node" namespace, so the bridge never touches the host), a process started through
// the mount wrapper inside the pod's network namespace, restarts, and a teardown that leaves
// nothing behind. The workload is a fake entry file in a temp "checkout". Needs root.
const suffix = `${process.pid}`;
const nodeNs = `isthmus-test-node-${suffix}`;
const uid = "7e57c0de-0000-4000-8000-000000000001";
const podNetns = "isthmus-test-7e57c0de";
const ip = (...args: string[]): string => execFileSync("ip", args, { encoding: "utf8" });

const workload = `
const fs = require("fs");
const read = (p) => { try { return fs.readFileSync(p, "utf8"); } catch (e) { return "missing"; } };
console.log(JSON.stringify({ argv: process.argv.slice(2), pod: process.env.POD_NAME,
  resolv: read("/etc/resolv.conf"), token: read("/var/run/secrets/kubernetes.io/serviceaccount/token") }));
if (process.argv.includes("--crash")) setTimeout(() => process.exit(7), 50);
else { setInterval(() => {}, 1 << 30); process.on("SIGTERM", () => process.exit(0)); }
`;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("pod worker with real namespaces, CNI and processes", () => {
  let dir: string;
  let config: KubeletConfig;
  let deps: PodWorkerDeps;
  const pokes: string[] = [];

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error("pod-worker.netns.test.ts needs root (network namespaces)");
    dir = await mkdtemp(join(tmpdir(), "isthmus-test-kubelet-"));
    for (const d of ["net.d", "bin", "state", "repo/lab/dist/workloads"]) await mkdir(join(dir, d), { recursive: true });
    await writeFile(join(dir, "repo/lab/dist/workloads/main.js"), workload);
    await writeFile(
      join(dir, "net.d", "10-test.conflist"),
      JSON.stringify({
        cniVersion: "1.0.0",
        name: "isthmus-test",
        plugins: [{ type: "bridge", bridge: "isth-test1", isGateway: true, ipam: { type: "host-local", ranges: [[{ subnet: "198.18.251.0/24" }]], dataDir: join(dir, "ipam") } }],
      }),
    );
    for (const p of ["bridge", "host-local"]) {
      await writeFile(join(dir, "bin", p), `#!/bin/sh\nexec ip netns exec ${nodeNs} /usr/lib/cni/${p}\n`, { mode: 0o755 });
    }
    ip("netns", "add", nodeNs);
    config = parseKubeletConfig({
      clusterId: "c1",
      nodeName: "c1-n1",
      nodeIp: "198.18.1.11",
      kubeconfig: "/unused",
      stateDir: join(dir, "state"),
      clusterDns: "10.101.0.10",
      cniConfDir: join(dir, "net.d"),
      cniBinDir: join(dir, "bin"),
      repoRoot: join(dir, "repo"),
      serviceAccountIssuer: "https://kubernetes.default.svc.cluster.local",
      apiServer: { host: "198.18.1.2", port: 6443 },
      restartBackoff: { baseMs: 200, maxMs: 400 },
    });
    deps = {
      config,
      logger: createSilentLogger(),
      reader: {
        configMap: (_ns, name) => Promise.resolve(name === "kube-root-ca.crt" ? { "ca.crt": "CA" } : undefined),
        secret: () => Promise.resolve(undefined),
      },
      tokens: { issue: () => Promise.resolve({ token: "pod-token", expiresAt: new Date(Date.now() + 3_600_000) }) },
      poke: (key) => pokes.push(key),
      netnsPrefix: "isthmus-test-",
    };
  });

  afterAll(async () => {
    for (const ns of [podNetns, nodeNs]) {
      try {
        ip("netns", "del", ns);
      } catch {
        // Already removed by the test (or never created).
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("wires, runs, restarts and tears down a workload pod", async () => {
    const pod: Pod = {
      metadata: { name: "echo-1", namespace: "demo", uid },
      spec: { restartPolicy: "Always", containers: [{ name: "echo", image: "lab/echo:latest", args: ["--crash"] }] },
    };
    const podDir = join(config.stateDir, "pods", "demo_echo-1");
    const record = createPodRecord(pod, podDir, "demo/echo-1");
    const signal = new AbortController().signal;
    await syncPod(record, pod, deps, signal);

    expect(record.initialized).toBe(true);
    expect(record.sandbox?.netns).toBe(podNetns);
    expect(record.sandbox?.ip).toMatch(/^198\.18\.251\.\d+$/);
    const slot = record.containers.get("echo");
    const firstPid = slot?.pid ?? 0;
    expect(firstPid).toBeGreaterThan(0);
    const state = await readPodState(podDir);
    expect(state).toMatchObject({ uid, netns: podNetns, ip: record.sandbox?.ip, pid: firstPid });

    // The process ran in the pod's network namespace, with its resolv.conf and token mounted.
    await until("first log line", async () => (await readFile(join(podDir, "echo.log"), "utf8").catch(() => "")).includes("argv"));
    const first = JSON.parse((await readFile(join(podDir, "echo.log"), "utf8")).split("\n")[0] ?? "{}") as Record<string, unknown>;
    expect(first).toMatchObject({ argv: ["echo", "--crash"], pod: "echo-1", token: "pod-token" });
    expect(first.resolv).toBe("nameserver 10.101.0.10\nsearch demo.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n");
    expect(execFileSync("cat", ["/etc/resolv.conf"], { encoding: "utf8" })).not.toContain("10.101.0.10");

    // It crashes (exit 7): the worker is poked, records the exit and restarts after the back-off.
    await until("crash recorded", () => slot?.lastTermination?.exitCode === 7);
    expect(pokes).toContain("demo/echo-1");
    expect(slot?.state).toMatchObject({ kind: "waiting", reason: "CrashLoopBackOff" });
    await new Promise((r) => setTimeout(r, 250));
    const steady: Pod = { metadata: pod.metadata ?? {}, spec: { restartPolicy: "Always", containers: [{ name: "echo", image: "lab/echo:latest" }] } };
    await syncPod(record, steady, deps, signal);
    expect(slot?.restartCount).toBe(1);
    const pid = slot?.pid ?? 0;
    expect(pid).not.toBe(firstPid);
    // The (steady) restarted process lives in the pod's network namespace.
    const podNsInode = execFileSync("stat", ["-L", "-c", "%i", `/run/netns/${podNetns}`], { encoding: "utf8" }).trim();
    expect(execFileSync("readlink", [`/proc/${pid}/ns/net`], { encoding: "utf8" }).trim()).toBe(`net:[${podNsInode}]`);

    // Teardown: process gone, CNI DEL (veth and lease released), netns and state removed.
    await teardownPod(record, deps, { graceMs: 1000, keepSandbox: false });
    expect(isAlive(pid)).toBe(false);
    expect(ip("netns", "list")).not.toContain(podNetns);
    expect(ip("-n", nodeNs, "-o", "link", "show", "master", "isth-test1")).toBe("");
    const leases = await readdir(join(dir, "ipam", "isthmus-test"));
    expect(leases.filter((f) => /^\d/.test(f))).toEqual([]);
    await expect(stat(podDir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("reports NetworkNotReady and creates nothing while there is no CNI config", async () => {
    const empty = join(dir, "empty.d");
    await mkdir(empty);
    const noCni = { ...deps, config: { ...config, cniConfDir: empty } };
    const pod: Pod = { metadata: { name: "p", namespace: "demo", uid: "7e57c0de-0000-4000-8000-000000000002" }, spec: { containers: [{ name: "c", image: "lab/client" }] } };
    const record = createPodRecord(pod, join(config.stateDir, "pods", "demo_p"), "demo/p");
    expect(await syncPod(record, pod, noCni, new AbortController().signal)).toBe(2000);
    expect(record.pending?.reason).toBe("NetworkNotReady");
    expect(record.containers.size).toBe(0);
    expect(ip("netns", "list")).not.toContain("isthmus-test-7e57c0de");
  });
});
