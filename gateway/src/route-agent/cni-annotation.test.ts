// The route agent's Node annotation over client-node's real CoreV1Api, against a loopback HTTP
// server that holds one Node and applies merge patches (RFC 7386) to it the way the API server
// does: checks the wire format (a merge patch of the one key), that nothing is written when the
// value did not change, that garbage in the directory is published as "unreadable", and removal.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { createSilentLogger } from "@isthmus/core/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { createCniConfigReporter, createNodeAnnotation, withdrawCniConfig } from "./cni-annotation.js";

type Json = Record<string, unknown>;

interface NodeStub {
  readonly url: string;
  node: Json | undefined;
  readonly patches: { contentType: string | undefined; body: unknown }[];
  gets: number;
  /** Status codes for the next PATCH requests ("hang": never answer). */
  readonly patchPlan: (number | "hang")[];
  close(): Promise<void>;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Json = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) Reflect.deleteProperty(out, k);
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

async function startNodeStub(node: Json | undefined): Promise<NodeStub> {
  const stub: Omit<NodeStub, "url" | "close"> = { node, patches: [], gets: 0, patchPlan: [] };
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (b: Buffer) => (text += b.toString()));
    req.on("end", () => {
      const send = (code: number, body: unknown): void => {
        res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (req.url !== "/api/v1/nodes/n1" || stub.node === undefined) {
        send(404, { kind: "Status", code: 404, reason: "NotFound" });
        return;
      }
      if (req.method === "GET") {
        stub.gets += 1;
        send(200, stub.node);
        return;
      }
      const plan = stub.patchPlan.shift();
      if (plan === "hang") return;
      const body: unknown = JSON.parse(text);
      stub.patches.push({ contentType: req.headers["content-type"], body });
      if (plan !== undefined) {
        send(plan, { kind: "Status", code: plan });
        return;
      }
      stub.node = mergePatch(stub.node, body) as Json;
      send(200, stub.node);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return Object.assign(stub, {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  });
}

const key = defaults.cniConfigAnnotation;
const flannel = JSON.stringify({ name: "cbr0", cniVersion: "0.4.0", plugins: [{ type: "flannel" }, { type: "portmap" }] });
const annotations = (stub: NodeStub): unknown => (stub.node?.metadata as Json | undefined)?.annotations;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(node: Json | undefined = { apiVersion: "v1", kind: "Node", metadata: { name: "n1", annotations: { "flannel.alpha.coreos.com/backend-type": "vxlan" } } }) {
  const stub = await startNodeStub(node);
  const dir = await mkdtemp(join(tmpdir(), "isthmus-cni-annotation-"));
  cleanup.push(() => stub.close(), () => rm(dir, { recursive: true, force: true }));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser({ name: "stub", server: stub.url, skipTLSVerify: true }, { name: "stub" });
  const annotation = createNodeAnnotation(kubeConfig.makeApiClient(CoreV1Api), { nodeName: "n1", key });
  const reporter = createCniConfigReporter({ dir, annotation, logger: createSilentLogger() });
  return { stub, dir, reporter };
}

describe("the route agent's CNI config annotation", () => {
  it("writes a merge patch of its one key, only when the value changed", async () => {
    const { stub, dir, reporter } = await setup();
    expect(await reporter.sync()).toBe(`no CNI config in ${dir}`);
    await writeFile(join(dir, "10-flannel.conflist"), flannel);
    expect(await reporter.sync()).toBe("10-flannel.conflist: cbr0 (flannel, portmap)");
    await reporter.sync();
    expect(stub.patches).toEqual([
      { contentType: "application/merge-patch+json", body: { metadata: { annotations: { [key]: `no CNI config in ${dir}` } } } },
      { contentType: "application/merge-patch+json", body: { metadata: { annotations: { [key]: "10-flannel.conflist: cbr0 (flannel, portmap)" } } } },
    ]);
    expect(stub.gets).toBe(1);
    expect(annotations(stub)).toEqual({ "flannel.alpha.coreos.com/backend-type": "vxlan", [key]: "10-flannel.conflist: cbr0 (flannel, portmap)" });
  });

  it("does not write a value the Node already has (a restarted agent)", async () => {
    const { stub, dir, reporter } = await setup({ metadata: { name: "n1", annotations: { [key]: "10-flannel.conflist: cbr0 (flannel, portmap)" } } });
    await writeFile(join(dir, "10-flannel.conflist"), flannel);
    await reporter.sync();
    expect(stub.patches).toEqual([]);
  });

  it("publishes a garbage file as unreadable, and nothing else", async () => {
    const { stub, dir, reporter } = await setup();
    await writeFile(join(dir, "10-flannel.conflist"), "\u0000garbage");
    await reporter.sync();
    expect(stub.patches).toHaveLength(1);
    const written = annotations(stub) as Record<string, string>;
    expect(Object.keys(written).sort()).toEqual(["flannel.alpha.coreos.com/backend-type", key]);
    expect(written[key]).toMatch(/^10-flannel\.conflist: unreadable: not JSON/);
  });

  it("retries a refused write at the next sync", async () => {
    const { stub, dir, reporter } = await setup();
    await writeFile(join(dir, "10-flannel.conflist"), flannel);
    stub.patchPlan.push(403);
    await expect(reporter.sync()).rejects.toThrow();
    await reporter.sync();
    expect(stub.patches).toHaveLength(2);
    expect(annotations(stub)).toMatchObject({ [key]: "10-flannel.conflist: cbr0 (flannel, portmap)" });
  });

  it("withdraws only its own key; a missing Node counts as done, a hung API as not", async () => {
    const { stub, dir, reporter } = await setup();
    await writeFile(join(dir, "10-flannel.conflist"), flannel);
    await reporter.sync();
    expect(await withdrawCniConfig(reporter, { ms: 5000, logger: createSilentLogger() })).toBe(true);
    expect(stub.patches.at(-1)?.body).toEqual({ metadata: { annotations: { [key]: null } } });
    expect(annotations(stub)).toEqual({ "flannel.alpha.coreos.com/backend-type": "vxlan" });
    stub.patchPlan.push("hang");
    expect(await withdrawCniConfig(reporter, { ms: 200, logger: createSilentLogger() })).toBe(false);
    stub.node = undefined;
    expect(await withdrawCniConfig(reporter, { ms: 5000, logger: createSilentLogger() })).toBe(true);
  });
});
