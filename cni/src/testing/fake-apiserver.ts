// A minimal Kubernetes API for the isthmus-node process test (run as its own process inside a
// test namespace: `node cni/dist/testing/fake-apiserver.js PORT STATE.json`): lists and watches
// Nodes and Pods (and Namespaces, NetworkPolicies, EgressGateways and RemotePodSets, when the file has them) from a JSON file, reads single Pods, records
// EgressGateway status patches (`GET /test/egress-status`) and Events (`GET /test/events`), and replaces the Node list on
// `POST /test/nodes` (sending ADDED/MODIFIED/DELETED events to open watches). Only what the
// agent's informers use; never a stand-in for the real API server in the lab.
import { readFileSync } from "node:fs";
import { type ServerResponse, createServer } from "node:http";

interface Item {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  [key: string]: unknown;
}

const [portText = "0", stateFile = ""] = process.argv.slice(2);
const state = JSON.parse(readFileSync(stateFile, "utf8")) as { nodes: Item[]; pods: Item[]; namespaces?: Item[]; networkpolicies?: Item[]; egressgateways?: Item[]; remotepodsets?: Item[] };
/** EgressGateway status subresource patches received (`GET /test/egress-status` returns them). */
const statusPatches: unknown[] = [];
/** Events created in namespace default (`GET /test/events` returns them). */
const events: unknown[] = [];
/** Lists served as they are in the file (their watches stay open and quiet). */
const staticLists: Readonly<Record<string, { kind: string; items: () => Item[] }>> = {
  "/api/v1/pods": { kind: "PodList", items: () => state.pods },
  "/api/v1/namespaces": { kind: "NamespaceList", items: () => state.namespaces ?? [] },
  "/apis/networking.k8s.io/v1/networkpolicies": { kind: "NetworkPolicyList", items: () => state.networkpolicies ?? [] },
  "/apis/isthmus.io/v1alpha1/egressgateways": { kind: "EgressGatewayList", items: () => state.egressgateways ?? [] },
  "/apis/isthmus.io/v1alpha1/remotepodsets": { kind: "RemotePodSetList", items: () => state.remotepodsets ?? [] },
};
let revision = 1;
const nodeWatches = new Set<ServerResponse>();

function stamp(item: Item): Item {
  return { ...item, metadata: { ...item.metadata, resourceVersion: String(revision) } };
}

function list(kind: string, items: Item[], res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ kind, apiVersion: "v1", metadata: { resourceVersion: String(revision) }, items: items.map(stamp) }));
}

function sendEvent(type: string, item: Item): void {
  for (const res of nodeWatches) res.write(`${JSON.stringify({ type, object: stamp(item) })}\n`);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://fake");
  const watch = url.searchParams.get("watch") === "true";
  if (req.method === "POST" && url.pathname === "/test/nodes") {
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString()));
    req.on("end", () => {
      const next = JSON.parse(body) as Item[];
      revision += 1;
      for (const old of state.nodes) if (!next.some((n) => n.metadata.name === old.metadata.name)) sendEvent("DELETED", old);
      for (const node of next) sendEvent(state.nodes.some((n) => n.metadata.name === node.metadata.name) ? "MODIFIED" : "ADDED", node);
      state.nodes = next;
      res.end("{}");
    });
    return;
  }
  const egressStatus = /^\/apis\/isthmus\.io\/v1alpha1\/egressgateways\/([^/]+)\/status$/.exec(url.pathname);
  if (req.method === "PATCH" && egressStatus !== null) {
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString()));
    req.on("end", () => {
      statusPatches.push({ name: egressStatus[1], contentType: req.headers["content-type"], body: JSON.parse(body) as unknown });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    return;
  }
  if (req.method === "POST" && url.pathname === "/api/v1/namespaces/default/events") {
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString()));
    req.on("end", () => {
      events.push(JSON.parse(body) as unknown);
      res.writeHead(201, { "content-type": "application/json" });
      res.end(body);
    });
    return;
  }
  if (url.pathname === "/test/egress-status" || url.pathname === "/test/events") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(url.pathname === "/test/events" ? events : statusPatches));
    return;
  }
  if (url.pathname === "/api/v1/nodes" && watch) {
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    nodeWatches.add(res);
    res.on("close", () => nodeWatches.delete(res));
    return;
  }
  const quiet = staticLists[url.pathname];
  if (quiet !== undefined && watch) {
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    return;
  }
  if (url.pathname === "/api/v1/nodes") { list("NodeList", state.nodes, res); return; }
  if (quiet !== undefined) { list(quiet.kind, quiet.items(), res); return; }
  const pod = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
  const found = pod === null ? undefined : state.pods.find((p) => p.metadata.namespace === pod[1] && p.metadata.name === pod[2]);
  if (found !== undefined) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(stamp(found)));
    return;
  }
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 }));
});
server.listen(Number(portText), "127.0.0.1", () => {
  process.stdout.write("ready\n");
});
process.on("SIGTERM", () => {
  for (const res of nodeWatches) res.end();
  server.close(() => process.exit(0));
});
