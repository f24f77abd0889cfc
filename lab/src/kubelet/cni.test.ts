import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildPluginEnv,
  buildPluginStdin,
  CniError,
  firstIp,
  formatCniArgs,
  hasCheck,
  loadNetworkList,
  parseCniResult,
  parseNetworkList,
  type CniAttachment,
} from "./cni.js";
import { addNetworkList, checkNetworkList, delNetworkList } from "./cni-invoke.js";

const attachment: CniAttachment = {
  containerId: "0f4b2c1d-uid",
  netns: "/run/netns/isthmus-pod-0f4b2c1d",
  ifName: "eth0",
  args: { K8S_POD_NAMESPACE: "default", K8S_POD_NAME: "echo-1", K8S_POD_UID: "0f4b2c1d-uid" },
};

const conflist = JSON.stringify({
  cniVersion: "1.0.0",
  name: "lab",
  plugins: [{ type: "first", bridge: "cni0", ipam: { type: "host-local" } }, { type: "second", x: 1 }],
});

describe("parseNetworkList", () => {
  it("parses a conflist and wraps a single-plugin conf", () => {
    const list = parseNetworkList(conflist, "a.conflist");
    expect(list.plugins.map((p) => p.type)).toEqual(["first", "second"]);
    const single = parseNetworkList(JSON.stringify({ cniVersion: "0.4.0", name: "n", type: "bridge" }), "b.conf");
    expect(single.plugins).toHaveLength(1);
    expect(single.plugins[0]?.type).toBe("bridge");
  });

  it.each([
    ["not json", "{"],
    ["no name", JSON.stringify({ cniVersion: "1.0.0", plugins: [{ type: "x" }] })],
    ["bad version", JSON.stringify({ name: "n", cniVersion: "one", plugins: [{ type: "x" }] })],
    ["no plugins", JSON.stringify({ name: "n", cniVersion: "1.0.0", plugins: [] })],
    ["plugin without type", JSON.stringify({ name: "n", cniVersion: "1.0.0", plugins: [{}] })],
    ["type with a path", JSON.stringify({ name: "n", cniVersion: "1.0.0", plugins: [{ type: "../x" }] })],
  ])("rejects %s with InvalidConfig", (_why, text) => {
    expect(() => parseNetworkList(text, "x.conflist")).toThrow(expect.objectContaining({ code: "InvalidConfig" }) as Error);
  });
});

describe("env and stdin", () => {
  it("builds the runtime environment with IgnoreUnknown first", () => {
    expect(buildPluginEnv("ADD", attachment, "/opt/cni/bin")).toEqual({
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "0f4b2c1d-uid",
      CNI_NETNS: "/run/netns/isthmus-pod-0f4b2c1d",
      CNI_IFNAME: "eth0",
      CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=echo-1;K8S_POD_UID=0f4b2c1d-uid",
      CNI_PATH: "/opt/cni/bin",
    });
    expect(formatCniArgs({})).toBe("IgnoreUnknown=1");
  });

  it("injects name and cniVersion and chains prevResult", () => {
    const list = parseNetworkList(conflist, "a.conflist");
    const [first, second] = list.plugins;
    const a = JSON.parse(buildPluginStdin(list, first!)) as Record<string, unknown>;
    expect(a).toEqual({ type: "first", bridge: "cni0", ipam: { type: "host-local" }, name: "lab", cniVersion: "1.0.0" });
    const prev = { cniVersion: "1.0.0", ips: [{ address: "10.1.0.5/24" }] };
    const b = JSON.parse(buildPluginStdin(list, second!, prev)) as Record<string, unknown>;
    expect(b).toEqual({ type: "second", x: 1, name: "lab", cniVersion: "1.0.0", prevResult: prev });
  });
});

describe("results", () => {
  it("parses a result and takes the first IP", () => {
    const r = parseCniResult(
      JSON.stringify({ cniVersion: "1.0.0", interfaces: [{ name: "eth0", sandbox: "/run/netns/x" }], ips: [{ address: "10.1.2.3/24", gateway: "10.1.2.1", interface: 0 }] }),
      "bridge",
    );
    expect(firstIp(r)).toBe("10.1.2.3");
    expect(r.interfaces[0]).toEqual({ name: "eth0", sandbox: "/run/netns/x" });
  });

  it("rejects output that is not a result", () => {
    expect(() => parseCniResult("", "p")).toThrow(expect.objectContaining({ code: "InvalidResult" }) as Error);
    expect(() => parseCniResult("{}", "p")).toThrow(expect.objectContaining({ code: "InvalidResult" }) as Error);
    expect(() => parseCniResult(JSON.stringify({ cniVersion: "1.0.0", ips: [{}] }), "p")).toThrow(CniError);
  });

  it("knows which versions have CHECK", () => {
    expect(hasCheck("0.3.1")).toBe(false);
    expect(hasCheck("0.4.0")).toBe(true);
    expect(hasCheck("1.1.0")).toBe(true);
  });
});

// Fake plugins (shell scripts) record their env and stdin, so chaining is checked through real exec.
describe("invoking a plugin chain", () => {
  let dir: string;
  const plugin = (name: string, body: string): Promise<void> =>
    writeFile(join(dir, "bin", name), `#!/bin/sh\nin=$(cat)\necho "$CNI_COMMAND $in" >> "${dir}/calls-${name}"\n${body}\n`).then(() =>
      chmod(join(dir, "bin", name), 0o755),
    );

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-cni-test-"));
    await mkdir(join(dir, "bin"));
    await plugin("first", `echo '{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.7/24"}]}'`);
    await plugin("second", `echo "$in" | sed 's/.*"prevResult"://; s/}$//'`);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("ADD chains results, DEL runs in reverse with prevResult, CHECK in order", async () => {
    const list = parseNetworkList(conflist, "a.conflist");
    const opts = { cniPath: join(dir, "bin") };
    const result = await addNetworkList(list, attachment, opts);
    expect(firstIp(result)).toBe("10.1.0.7");
    const secondCalls = await readFile(join(dir, "calls-second"), "utf8");
    expect(secondCalls).toContain('"prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.7/24"}]}');
    await checkNetworkList(list, attachment, { ...opts, prevResult: result.raw });
    await delNetworkList(list, attachment, { ...opts, prevResult: result.raw });
    const firstCalls = (await readFile(join(dir, "calls-first"), "utf8")).trim().split("\n");
    expect(firstCalls.map((l) => l.split(" ")[0])).toEqual(["ADD", "CHECK", "DEL"]);
    expect(firstCalls[2]).toContain('"prevResult"');
  });

  it("turns a plugin's error object into PluginFailed with that object", async () => {
    await plugin("first", `echo '{"cniVersion":"1.0.0","code":11,"msg":"try again later","details":"ipam busy"}'; exit 1`);
    const list = parseNetworkList(conflist, "a.conflist");
    const err = await addNetworkList(list, attachment, { cniPath: join(dir, "bin") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect(err).toMatchObject({ code: "PluginFailed", pluginError: { code: 11, msg: "try again later", details: "ipam busy" } });
  });

  it("says which plugin is missing and where it looked", async () => {
    const list = parseNetworkList(JSON.stringify({ cniVersion: "1.0.0", name: "n", plugins: [{ type: "nope" }] }), "x");
    await expect(addNetworkList(list, attachment, { cniPath: join(dir, "bin") })).rejects.toMatchObject({ code: "PluginNotFound" });
  });

  it("loads the first config in lexical order and none from an empty dir", async () => {
    const conf = join(dir, "net.d");
    await mkdir(conf);
    expect(await loadNetworkList(conf)).toBeUndefined();
    expect(await loadNetworkList(join(dir, "missing"))).toBeUndefined();
    await writeFile(join(conf, "20-b.conflist"), JSON.stringify({ cniVersion: "1.0.0", name: "b", plugins: [{ type: "x" }] }));
    await writeFile(join(conf, "10-a.conf"), JSON.stringify({ cniVersion: "1.0.0", name: "a", type: "x" }));
    await writeFile(join(conf, "00-ignored.txt"), "not a config");
    expect((await loadNetworkList(conf))?.name).toBe("a");
  });
});
