// The route agent follows the gateway Lease: whenever its holder or the remote subnets change
// (Lease and Gateway informers), it points this node's routes for remote subnets at the active
// gateway node, directly on a shared subnet or over vx-isthmus (datapath.ts; while the Lease is
// released, at the last holder). It needs no broker: the Gateway resources carry the subnets.
// It also reports its node's CNI config on its Node (cni-annotation.ts), at start and every resync,
// and answers `GET /cni-state` on its metrics port with its node's CNI state (cni-state.ts).
import { V1Lease, CustomObjectsApi } from "@kubernetes/client-node";
import { defaults } from "@isthmus/core/constants";
import { createInformer, createKubeClient, type ManagedInformer } from "@isthmus/core/kube";
import { startMetricsServer, type Logger, type MetricsServer } from "@isthmus/core/runtime";
import { nodeInternalIp } from "../agent/endpoint.js";
import { gatewaysPath, listGateways, type GatewayObject } from "../agent/gateway-resource.js";
import { createSerialRunner } from "../agent/serial.js";
import { applyRoutingSysctls, underlayDevice } from "../agent/node-net.js";
import { createCniConfigReporter, createNodeAnnotation, withdrawCniConfig } from "./cni-annotation.js";
import type { RouteAgentConfig } from "./config.js";
import { createCniStateCollector } from "./cni-state.js";
import { createRouteAgentDatapath } from "./datapath.js";
import { activeGatewayIp, followedHolder, remoteSubnets } from "./vtep.js";

/** A running route agent. */
export interface RouteAgent {
  stop(): Promise<void>;
}

/** Starts the route agent. */
export async function startRouteAgent(config: RouteAgentConfig, deps: { logger: Logger; env: Readonly<Record<string, string | undefined>> }): Promise<RouteAgent> {
  const kube = createKubeClient({ ...(config.kubeconfig === undefined ? {} : { kubeconfigPath: config.kubeconfig }), env: deps.env });
  const log = deps.logger.child({ component: "route-agent", node: config.nodeName });
  const nodeIp = config.nodeIp ?? nodeInternalIp(await kube.core.readNode({ name: config.nodeName }));
  const datapath = createRouteAgentDatapath({ nodeIp, mtu: config.mtu, mode: config.vxlanMode, logger: log });
  await datapath.init();
  const lan = await underlayDevice(nodeIp);
  const sysctls = await applyRoutingSysctls([defaults.routeAgentDevice, ...(lan === undefined ? [] : [lan])]);
  if (sysctls.length > 0) log.info({ sysctls }, "set routing sysctls");

  const leases: ManagedInformer<V1Lease> = createInformer<V1Lease>({
    name: "leases", path: `/apis/coordination.k8s.io/v1/namespaces/${config.namespace}/leases`,
    list: () => kube.coordination.listNamespacedLease({ namespace: config.namespace }), kubeConfig: kube.config, logger: log,
  });
  const gateways: ManagedInformer<GatewayObject> = createInformer<GatewayObject>({
    name: "gateways", path: gatewaysPath, list: () => listGateways(kube.api(CustomObjectsApi)), kubeConfig: kube.config, logger: log,
  });

  let stopping = false;
  let last = "";
  let syncs = 0;
  let lastHolder: string | undefined;
  const reconcile = async (): Promise<void> => {
    const holder = followedHolder(leases.get(`${config.namespace}/${defaults.gatewayLease}`)?.spec?.holderIdentity, lastHolder);
    lastHolder = holder;
    const all = gateways.list();
    const clusterId = all.find((g) => g.metadata?.name === holder)?.status?.clusterId;
    const state = { activeIp: activeGatewayIp({ holder, nodeName: config.nodeName, gateways: all }), subnets: remoteSubnets(all, clusterId) };
    const key = JSON.stringify(state);
    if (key === last) return;
    await datapath.sync(state);
    last = key;
    syncs += 1;
    log.info({ holder, activeIp: state.activeIp, subnets: state.subnets }, "routes follow the active gateway");
  };
  const runner = createSerialRunner(reconcile, { logger: log, retryMs: 1000, what: "route sync" });
  const trigger = (): void => { if (!stopping) runner.trigger(); };
  // Its own runner: a slow or refused Node write never holds up routes, nor they it.
  const cniReporter = createCniConfigReporter({ dir: config.cniConfDir, annotation: createNodeAnnotation(kube.core, { nodeName: config.nodeName, key: defaults.cniConfigAnnotation }), logger: log });
  let cniSync: Promise<unknown> = Promise.resolve();
  const cniRunner = createSerialRunner(async () => {
    const run = cniReporter.sync();
    cniSync = run.catch(() => undefined);
    await run;
  }, { logger: log, retryMs: config.resyncMs, what: "CNI config report" });
  cniRunner.trigger();
  for (const informer of [leases, gateways] as const) {
    informer.on("add", trigger);
    informer.on("update", trigger);
    informer.on("delete", trigger);
  }
  await leases.start();
  await gateways.start();
  const resync = setInterval(() => {
    last = "";
    trigger();
    if (!stopping) cniRunner.trigger();
  }, config.resyncMs);
  // A gateway node's endpoint address may sit on a device of its own (a WAN link): an underlay too.
  const cniState = createCniStateCollector({ nodeName: config.nodeName, addresses: () => [nodeIp, ...gateways.list().flatMap((g) => (g.metadata?.name === config.nodeName && g.status !== undefined ? [g.status.endpoint.publicIp] : []))] });
  const metrics: MetricsServer | undefined = config.metricsPort === 0 ? undefined : await startMetricsServer({
    host: config.metricsHost, port: config.metricsPort, healthy: () => leases.ready && gateways.ready,
    collect: () => Promise.resolve([{ name: "isthmus_route_agent_syncs_total", help: "Route syncs that changed the desired state", type: "counter" as const, samples: [{ value: syncs }] }]),
    json: { "/cni-state": () => cniState.collect() },
  });
  log.info({ nodeIp, vxlanMode: config.vxlanMode }, "route agent started");
  return {
    async stop() {
      stopping = true;
      clearInterval(resync);
      runner.stop();
      cniRunner.stop();
      await withdrawCniConfig(cniReporter, { after: cniSync, ms: 3000, logger: log });
      await leases.stop();
      await gateways.stop();
      await metrics?.close();
      log.info("route agent stopped; routes stay until the next start or uninstall");
    },
  };
}
