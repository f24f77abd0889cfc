import { rm } from "node:fs/promises";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { createKubeClient } from "@isthmus/core/kube";
import { type Logger } from "@isthmus/core/runtime";
import { createVxlanCable } from "../cable/vxlan/driver.js";
import { createWireguardCable } from "../cable/wireguard/driver.js";
import { removeGlobalNat } from "../cable/global-nat.js";
import { createIpTool } from "../system/ip.js";
import { generatePrivateKey } from "../wireguard/keys.js";
import { keyFilePath, type GatewayConfig } from "./config.js";
import { deleteGateway } from "./gateway-resource.js";

/**
 * Removes what the gateway made on this node: both cables' devices, their routes and MSS-clamp
 * tables (whichever driver ran), the global address translation table, the key file, and — when the API server is reachable — the
 * node's Gateway object. Idempotent.
 */
export async function uninstallGateway(config: GatewayConfig, deps: { logger: Logger; env: Readonly<Record<string, string | undefined>> }): Promise<void> {
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
