import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firstIp, loadNetworkList, type CniAttachment } from "./cni.js";
import { addNetworkList, checkNetworkList, delNetworkList } from "./cni-invoke.js";

// Runs the CNI library against Debian's reference plugins (bridge + host-local) in a throwaway
// network namespace. The host side (bridge, veth) lives in a second throwaway namespace, so
// nothing touches the host's own network. Needs root: fails (never skips) without it.
const suffix = `${process.pid}`;
const hostNs = `isthmus-test-host-${suffix}`;
const podNs = `isthmus-test-pod-${suffix}`;
const refBin = "/usr/lib/cni";
const ip = (...args: string[]): string => execFileSync("ip", args, { encoding: "utf8" });
const inNs = (ns: string, ...args: string[]): string => ip("netns", "exec", ns, ...args);

/** A TCP server in the pod namespace answers a client in the host namespace over the bridge. */
async function expectReachable(podIp: string): Promise<void> {
  const server = spawn("ip", ["netns", "exec", podNs, process.execPath, "-e",
    "require('net').createServer((s) => s.end('pong')).listen(7777, () => console.log('up'))"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await once(server.stdout, "data");
    const script = `require('net').connect(7777, '${podIp}').on('data', (d) => { process.stdout.write(d); process.exit(0); })`;
    expect(inNs(hostNs, process.execPath, "-e", script)).toBe("pong");
  } finally {
    server.kill();
  }
}

describe("CNI library with the reference bridge + host-local plugins", () => {
  let dir: string;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error("cni.netns.test.ts needs root (network namespaces)");
    dir = await mkdtemp(join(tmpdir(), "isthmus-test-cni-"));
    await mkdir(join(dir, "net.d"));
    await writeFile(
      join(dir, "net.d", "10-lab.conflist"),
      JSON.stringify({
        cniVersion: "1.0.0",
        name: "isthmus-test",
        plugins: [
          {
            type: "bridge",
            bridge: "isth-test0",
            isGateway: true,
            ipam: { type: "host-local", ranges: [[{ subnet: "198.18.250.0/24" }]], dataDir: join(dir, "ipam") },
          },
        ],
      }),
    );
    ip("netns", "add", hostNs);
    ip("netns", "add", podNs);
  });

  afterAll(async () => {
    for (const ns of [podNs, hostNs]) {
      try {
        ip("netns", "del", ns);
      } catch {
        // Already gone: the test removed it, or setup failed before creating it.
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("ADD wires the pod, CHECK passes, DEL leaves nothing behind", async () => {
    const list = await loadNetworkList(join(dir, "net.d"));
    expect(list?.name).toBe("isthmus-test");
    if (list === undefined) return;
    const attachment: CniAttachment = {
      containerId: `test-${suffix}`,
      netns: `/run/netns/${podNs}`,
      ifName: "eth0",
      args: { K8S_POD_NAMESPACE: "default", K8S_POD_NAME: "p", K8S_POD_UID: `test-${suffix}` },
    };
    // The plugin creates the bridge in the namespace it runs in: run it from the host namespace.
    const cniPath = refBin;
    const wrapper = join(dir, "bin");
    await mkdir(wrapper);
    for (const p of ["bridge", "host-local"]) {
      await writeFile(join(wrapper, p), `#!/bin/sh\nexec ip netns exec ${hostNs} ${join(cniPath, p)}\n`, { mode: 0o755 });
    }
    const opts = { cniPath: wrapper };
    const result = await addNetworkList(list, attachment, opts);
    const podIp = firstIp(result);
    expect(podIp).toMatch(/^198\.18\.250\.\d+$/);
    const podAddrs = inNs(podNs, "ip", "-4", "-o", "addr", "show", "dev", "eth0");
    expect(podAddrs).toContain(`${podIp}/24`);
    expect(inNs(hostNs, "ip", "-o", "link", "show", "master", "isth-test0")).toMatch(/veth/);
    await expectReachable(podIp ?? "");

    await checkNetworkList(list, attachment, { ...opts, prevResult: result.raw });
    await delNetworkList(list, attachment, { ...opts, prevResult: result.raw });
    expect(inNs(podNs, "ip", "-o", "link", "show")).not.toContain("eth0");
    expect(inNs(hostNs, "ip", "-o", "link", "show", "master", "isth-test0")).toBe("");
    const leases = await readdir(join(dir, "ipam", "isthmus-test"));
    expect(leases.filter((f) => /^\d/.test(f))).toEqual([]);
    // DEL is idempotent (spec): a second DEL succeeds.
    await delNetworkList(list, attachment, { ...opts, prevResult: result.raw });
  });
});
