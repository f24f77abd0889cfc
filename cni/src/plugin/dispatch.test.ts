import { describe, expect, it } from "vitest";
import { createFakeBackend } from "../testing/fake-backend.js";
import { handleCniInvocation } from "./dispatch.js";
import { CniError } from "./errors.js";

const baseEnv = { CNI_CONTAINERID: "c1", CNI_NETNS: "/var/run/netns/x", CNI_IFNAME: "eth0", CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1", CNI_PATH: "/opt/cni/bin" };
const conf = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ cniVersion: "1.1.0", name: "isthmus", type: "isthmus-cni", ipam: { subnet: "10.1.1.0/24" }, ...extra });

async function invoke(command: string, stdin: string, env: Record<string, string> = baseEnv): Promise<{ exitCode: number; out: Record<string, unknown> }> {
  const backend = createFakeBackend();
  const outcome = await handleCniInvocation({ ...env, CNI_COMMAND: command }, stdin, backend);
  return { exitCode: outcome.exitCode, out: outcome.stdout === "" ? {} : (JSON.parse(outcome.stdout) as Record<string, unknown>) };
}

describe("handleCniInvocation", () => {
  it("answers ADD in the 1.1.0 format with interface MTUs", async () => {
    const { exitCode, out } = await invoke("ADD", conf());
    expect(exitCode).toBe(0);
    expect(out.cniVersion).toBe("1.1.0");
    expect(out.ips).toEqual([{ address: "10.1.1.5/24", gateway: "10.1.1.1", interface: 1 }]);
    expect((out.interfaces as { mtu?: number }[])[1]?.mtu).toBe(1450);
  });

  it("answers ADD in the 0.4.0 format with IP versions and without MTUs", async () => {
    const { out } = await invoke("ADD", conf({ cniVersion: "0.4.0" }));
    expect(out.cniVersion).toBe("0.4.0");
    expect(out.ips).toEqual([{ version: "4", address: "10.1.1.5/24", gateway: "10.1.1.1", interface: 1 }]);
    expect((out.interfaces as { mtu?: number }[])[1]?.mtu).toBeUndefined();
  });

  it("answers ADD in the 1.0.0 format without IP versions", async () => {
    const { out } = await invoke("ADD", conf({ cniVersion: "1.0.0" }));
    expect((out.ips as Record<string, unknown>[])[0]).not.toHaveProperty("version");
    expect((out.interfaces as { mtu?: number }[])[1]?.mtu).toBeUndefined();
  });

  it("appends its result to a prevResult of an earlier plugin in the chain", async () => {
    const prevResult = { cniVersion: "1.1.0", interfaces: [{ name: "lo", mac: "00:00:00:00:00:00" }], ips: [{ address: "127.0.0.1/8", interface: 0 }], routes: [] };
    const { out } = await invoke("ADD", conf({ prevResult }));
    expect((out.interfaces as unknown[]).length).toBe(3);
    expect(out.ips).toEqual([{ address: "127.0.0.1/8", interface: 0 }, { address: "10.1.1.5/24", gateway: "10.1.1.1", interface: 2 }]);
  });

  it("reports an unknown version with code 1", async () => {
    const { exitCode, out } = await invoke("ADD", conf({ cniVersion: "0.3.1" }));
    expect(exitCode).toBe(1);
    expect(out.code).toBe(1);
    expect(out.msg).toMatch(/0\.4\.0, 1\.0\.0, 1\.1\.0/);
  });

  it("reports an unknown field with code 2 naming it", async () => {
    const { out } = await invoke("ADD", conf({ colour: "blue" }));
    expect(out.code).toBe(2);
    expect(out.msg).toContain('"colour"');
    expect(out.msg).toContain('"blue"');
  });

  it("reports a missing CNI_NETNS on ADD with code 4", async () => {
    const { CNI_NETNS: _drop, ...env } = baseEnv;
    const { out } = await invoke("ADD", conf(), env);
    expect(out.code).toBe(4);
    expect(out.msg).toMatch(/CNI_NETNS is required for ADD/);
  });

  it("accepts DEL without CNI_NETNS", async () => {
    const { CNI_NETNS: _drop, ...env } = baseEnv;
    expect((await invoke("DEL", conf(), env)).exitCode).toBe(0);
  });

  it("reports malformed JSON with code 6 and a bad field with code 7", async () => {
    expect((await invoke("ADD", "{nope")).out.code).toBe(6);
    const bad = await invoke("ADD", conf({ ipam: { subnet: 5 } }));
    expect(bad.out.code).toBe(7);
    expect(bad.out.msg).toMatch(/ipam\.subnet/);
  });

  it("reports an unknown command with code 4", async () => {
    expect((await invoke("FROB", conf())).out.code).toBe(4);
  });

  it("requires prevResult for CHECK", async () => {
    const { out } = await invoke("CHECK", conf());
    expect(out.code).toBe(7);
  });

  it("answers VERSION even for a version it does not speak", async () => {
    const { exitCode, out } = await invoke("VERSION", JSON.stringify({ cniVersion: "9.9.9" }));
    expect(exitCode).toBe(0);
    expect(out).toEqual({ cniVersion: "1.1.0", supportedVersions: ["0.4.0", "1.0.0", "1.1.0"] });
  });

  it("passes valid attachments to GC and honours disableGC", async () => {
    const backend = createFakeBackend();
    const valid = [{ containerID: "a", ifname: "eth0" }];
    await handleCniInvocation({ CNI_COMMAND: "GC" }, conf({ "cni.dev/valid-attachments": valid }), backend);
    await handleCniInvocation({ CNI_COMMAND: "GC" }, conf({ "cni.dev/valid-attachments": valid, disableGC: true }), backend);
    expect(backend.calls).toEqual(["GC a"]);
  });

  it("renders backend errors as error objects with their codes", async () => {
    const backend = createFakeBackend();
    backend.failNext(new CniError("NotAvailable", "bridge missing", { details: "isthmus0" }));
    const outcome = await handleCniInvocation({ CNI_COMMAND: "STATUS" }, conf(), backend);
    expect(outcome.exitCode).toBe(1);
    expect(JSON.parse(outcome.stdout)).toEqual({ cniVersion: "1.1.0", code: 50, msg: "bridge missing", details: "isthmus0" });
  });

  it("passes the pod reference from CNI_ARGS", async () => {
    const backend = createFakeBackend();
    await handleCniInvocation({ ...baseEnv, CNI_COMMAND: "ADD" }, conf(), backend);
    expect(backend.requests[0]?.pod).toEqual({ namespace: "default", name: "p1", uid: "" });
  });
});
