// The informer wrapper over client-node's real ListWatch, against a tiny loopback HTTP server
// that speaks just enough of the API (list and watch of Nodes): checks that a failed list is
// retried and that watch events and relists reach the handlers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CoreV1Api, KubeConfig, type V1Node } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { createSilentLogger } from "../runtime/log.js";
import { createInformer, type ManagedInformer } from "./informer.js";

interface ApiStub {
  server: Server;
  url: string;
  /** Answers to the next list requests: a status code to fail with, or "ok". */
  listPlan: (number | "ok")[];
  /** Answers to the next watch requests: a status code to fail with, or "ok". */
  watchPlan: (number | "ok")[];
  /** Open watch responses. */
  watches: ServerResponse[];
  lists: number;
}

const nodeJson = (name: string, rv: string) => ({ apiVersion: "v1", kind: "Node", metadata: { name, resourceVersion: rv } });

async function startStub(): Promise<ApiStub> {
  const stub = { listPlan: [], watchPlan: [], watches: [], lists: 0 } as unknown as ApiStub;
  stub.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stub");
    if (url.pathname !== "/api/v1/nodes") {
      res.writeHead(404).end();
    } else if (url.searchParams.get("watch") === "true") {
      const plan = stub.watchPlan.shift() ?? "ok";
      if (plan !== "ok") {
        res.writeHead(plan).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      stub.watches.push(res);
    } else {
      stub.lists += 1;
      const plan = stub.listPlan.shift() ?? "ok";
      if (plan === "ok") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ apiVersion: "v1", kind: "NodeList", metadata: { resourceVersion: "10" }, items: [nodeJson("n1", "10")] }));
      } else {
        res.writeHead(plan, { "content-type": "application/json" });
        res.end(JSON.stringify({ kind: "Status", message: "stub failure", code: plan }));
      }
    }
  });
  await new Promise<void>((resolve) => stub.server.listen(0, "127.0.0.1", resolve));
  stub.url = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
  return stub;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(): Promise<{ stub: ApiStub; informer: ManagedInformer<V1Node> }> {
  const stub = await startStub();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser({ name: "stub", server: stub.url, skipTLSVerify: true }, { name: "stub" });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const informer = createInformer<V1Node>({
    name: "nodes",
    path: "/api/v1/nodes",
    list: () => core.listNode(),
    kubeConfig,
    logger: createSilentLogger(),
    backoff: { baseMs: 20, maxMs: 100, jitter: 0 },
  });
  cleanup.push(async () => {
    await informer.stop();
    for (const res of stub.watches) res.destroy();
    stub.server.closeAllConnections();
    await new Promise<void>((resolve) => stub.server.close(() => { resolve(); }));
  });
  return { stub, informer };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("createInformer over client-node's ListWatch", () => {
  it("retries a failed list, syncs, and delivers watch events", async () => {
    const { stub, informer } = await setup();
    stub.listPlan.push(500, 503);
    const added: string[] = [];
    informer.on("add", (n) => added.push(n.metadata?.name ?? "?"));
    await informer.start();
    await informer.waitForReady(undefined, 5_000);
    expect(stub.lists).toBe(3);
    expect(informer.get("n1")?.metadata?.resourceVersion).toBe("10");
    await until(() => stub.watches.length === 1, "the watch request");
    stub.watches[0]?.write(`${JSON.stringify({ type: "ADDED", object: nodeJson("n2", "11") })}\n`);
    await until(() => added.includes("n2"), "the n2 event");
    expect(added).toEqual(["n1", "n2"]);
    expect(informer.list().map((n) => n.metadata?.name).sort()).toEqual(["n1", "n2"]);
  });

  it("re-watches by itself when the server closes a watch normally, staying ready", async () => {
    const { stub, informer } = await setup();
    await informer.start();
    await informer.waitForReady(undefined, 5_000);
    await until(() => stub.watches.length === 1, "the first watch");
    stub.watches[0]?.end();
    await until(() => stub.watches.length === 2, "a second watch");
    expect(informer.ready).toBe(true);
    expect(stub.lists).toBe(1);
  });

  it("restarts after a failed watch, resuming from the listed resourceVersion without relisting", async () => {
    const { stub, informer } = await setup();
    stub.watchPlan.push(500);
    await informer.start();
    await informer.waitForReady(undefined, 5_000);
    await until(() => stub.watches.length === 1, "the second watch");
    expect(stub.watchPlan).toEqual([]);
    expect(stub.lists).toBe(1);
    expect(informer.ready).toBe(true);
  });
});
