import { rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { CustomObjectsApi, type V1Node } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { createKubeClient } from "@isthmus/core/kube";
import { type Logger } from "@isthmus/core/runtime";
import { createVxlanCable } from "../cable/vxlan/driver.js";
import { createWireguardCable } from "../cable/wireguard/driver.js";
import { removeGlobalNat } from "../cable/global-nat.js";
import { createIpTool } from "../system/ip.js";
import { generatePrivateKey } from "../wireguard/keys.js";
import { keyFilePath, type GatewayConfig } from "./config.js";
import { AgentError } from "./errors.js";
import { deleteGateway } from "./gateway-resource.js";

/** True when something accepts TCP connections on localhost:`port` within `timeoutMs`. */
function answers(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port, timeout: timeoutMs });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.once("connect", () => { done(true); });
    socket.once("timeout", () => { done(false); });
    socket.once("error", () => { done(false); });
  });
}

/**
 * Removes what the gateway made on this node: both cables' devices, their routes and MSS-clamp
 * tables (whichever driver ran), the global address translation table, the key file, and — when the API server is reachable — the
 * node's Gateway object. Idempotent. Refuses (AgentError "AgentRunning", nothing changed) while
 * a gateway agent still runs on the node.
 */
export async function uninstallGateway(config: GatewayConfig, deps: { logger: Logger; env: Readonly<Record<string, string | undefined>> }): Promise<void> {
  // A gateway agent still running on this node (its pod not yet stopped) restarts wireguard-go
  // when the device goes and re-applies its link and MSS clamp: removing them now would leave
  // them behind. Its metrics port answers until it has let go of the device.
  if (config.metricsPort !== 0 && (await answers(config.metricsPort, 1000))) {
    throw new AgentError("AgentRunning", `Cannot uninstall the gateway on this node: an isthmus-gateway agent still answers on port ${String(config.metricsPort)} and would re-create what the uninstall removes; stop it first (delete the isthmus-gateway DaemonSet and wait for its pods to go)`);
  }
  const context = { logger: deps.logger };
  // The drivers validate their config even for cleanup; nothing of these placeholders is used.
  const placeholder = { privateKey: generatePrivateKey(), tunnelIp: "127.0.0.1" };
  await createWireguardCable({ ...placeholder, backend: config.wireguardBackend, wireguardGo: config.wireguardGo }, context).cleanup();
  await createVxlanCable({ localIp: "127.0.0.1", tunnelIp: "127.0.0.1" }, context).cleanup();
  await removeGlobalNat(createIpTool(undefined));
  await rm(keyFilePath(config), { force: true });
  try {
    const kube = createKubeClient({ ...(config.kubeconfig === undefined ? {} : { kubeconfigPath: config.kubeconfig }), env: deps.env });
    await deleteGateway(kube.api(CustomObjectsApi), config.nodeName);
  } catch (err) {
    deps.logger.warn({ err }, "cannot delete the Gateway object; the node's data plane is clean, delete it with kubectl");
  }
  deps.logger.info("gateway data plane removed");
}

/** Whether `node` is still in the gateway pool (labelled `isthmus.io/gateway=true`, the gateway DaemonSet's node selector). */
export function inGatewayPool(node: V1Node): boolean {
  return node.metadata?.labels?.[defaults.gatewayNodeLabel] === "true";
}

/**
 * After the agent stopped: when its node has left the gateway pool (the label removed, so no
 * gateway agent runs there again), removes the data plane as `--uninstall` does. A stopping agent
 * otherwise keeps its tunnel and routes for the next agent to adopt, and with no next agent its
 * routes (metric 0) would keep beating the route agent's (metric 50) on this node: the node's
 * pods' traffic to other clusters would go into a tunnel nobody serves. A node still in the pool
 * (a restart, an upgrade) keeps everything; so does one whose Node cannot be read (logged).
 */
export async function uninstallIfLeftPool(config: GatewayConfig, deps: { logger: Logger; env: Readonly<Record<string, string | undefined>> }): Promise<boolean> {
  let node: V1Node;
  try {
    const kube = createKubeClient({ ...(config.kubeconfig === undefined ? {} : { kubeconfigPath: config.kubeconfig }), env: deps.env });
    node = await kube.core.readNode({ name: config.nodeName });
  } catch (err) {
    deps.logger.warn({ err }, "cannot read this node to tell whether it left the gateway pool: the data plane stays as the agent left it");
    return false;
  }
  if (inGatewayPool(node)) return false;
  deps.logger.info({ label: defaults.gatewayNodeLabel }, "this node left the gateway pool: removing the gateway's data plane");
  await uninstallGateway(config, deps);
  return true;
}
