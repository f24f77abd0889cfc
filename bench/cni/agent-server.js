// The agent side of the CNI benchmark, run inside the node namespace like isthmus-node itself
// (`ip netns exec <node> node bench/cni/agent-server.js <socket>`): the same CNI server and
// data-path backend, without the Kubernetes informers (pods carry no annotations in the bench).
import { fileURLToPath } from "node:url";
const dist = (p) => fileURLToPath(new URL(`../../cni/dist/${p}`, import.meta.url));
const { createCommandRunner } = await import(dist("datapath/exec.js"));
const { createDatapathBackend } = await import(dist("datapath/backend.js"));
const { createCniServer } = await import(dist("agent/server.js"));
const { createNetlinkHostLinks } = await import(dist("datapath/host-links.js"));
const { createLogger } = await import("@isthmus/core/runtime");

const socketPath = process.argv[2];
const backend = createDatapathBackend({ runner: createCommandRunner(), hostLinks: createNetlinkHostLinks(), annotations: { get: () => Promise.resolve({}) } });
const server = createCniServer({ socketPath, backend, logger: createLogger({ level: "silent" }) });
await server.start();
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  server.stop().then(() => process.exit(0), () => process.exit(1));
});
