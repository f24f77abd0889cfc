// Design notes — the gateway agent (ADR 0501). Every candidate node runs one. All of them keep
// the tunnel device up and every remote peer programmed (a passive one routes only the peers'
// tunnel addresses), write their endpoint into their own `Gateway` resource, and campaign for
// the Lease while their underlay link is up. The active one also routes the remote CIDRs into
// the tunnel, probes every peer and publishes to the broker: the cluster, the endpoints of all
// candidates (so remotes know the standbys), and the connection statuses. One serialized,
// level-based reconcile applies everything; events (broker watch, Gateway informer, role and
// health changes) and a periodic resync trigger it. Broker calls run apart from the data path,
// so a broker outage never stalls the tunnel. A cluster that holds a global block (ADR 0206):
// every candidate takes its tunnel address from the block (re-creating the cable on it when the
// block arrives) and programs the translation table from the broker's exports and the exported
// services' EndpointSlices (watched only then), so a promotion changes no rule; the active one
// translates; the table is re-checked every 10 s and put back when it was changed behind the
// agent's back (global-nat-keeper.ts). A cluster without a block has no table and no slice informer. GlobalEgressIPs
// (global-egress.ts) are published with the cluster, their pods SNATed to their addresses
// ahead of the cluster-wide rule, and their statuses written by the active gateway.
import { CustomObjectsApi, DiscoveryV1Api, type V1EndpointSlice, type V1Node } from "@kubernetes/client-node";
import { createBrokerClient, type BrokerClient, type WatchHandle } from "@isthmus/core/brokerapi";
import { defaults } from "@isthmus/core/constants";
import { errorMessage } from "@isthmus/core/errors";
import { createInformer, createKubeClient, createKubeLeaseClient, type KubeClient, type ManagedInformer } from "@isthmus/core/kube";
import { ensureBrokerCredentials, keepBrokerCredentials } from "@isthmus/core/membership";
import { type GatewayEndpoint, globalSpecFields, parseGlobalRequest } from "@isthmus/core/model";
import { isIp } from "@isthmus/core/net";
import { startMetricsServer, type Logger, type MetricsServer } from "@isthmus/core/runtime";
import { flushGlobalFlows, readGlobalNatRole, renderGlobalNat, type GlobalNatRole, type GlobalNatSpec } from "../cable/global-nat.js";
import { createGlobalNatKeeper, type GlobalNatKeeper } from "../cable/global-nat-keeper.js";
import { createCableRegistry } from "../cable/registry.js";
import type { CableDriver } from "../cable/driver.js";
import { createVxlanCable } from "../cable/vxlan/driver.js";
import { createWireguardCable } from "../cable/wireguard/driver.js";
import { createHealthProber, type HealthProber } from "../health/prober.js";
import { defaultHealthPolicy } from "../health/peer-health.js";
import { createIcmpProbeSource } from "../health/icmp-source.js";
import { createIpTool } from "../system/ip.js";
import { publicKeyFromPrivate } from "../wireguard/keys.js";
import { createBrokerState } from "./broker-state.js";
import { createCampaign, type Campaign } from "./campaign.js";
import { keyFilePath, type GatewayConfig } from "./config.js";
import { discoverEndpoint, hostOf, tunnelAddress } from "./endpoint.js";
import { createFailoverTracker } from "./failover.js";
import { createLazyInformer, type LazyInformer } from "./lazy-informer.js";
import { gatewaysPath, listGateways, readGateway, writeGatewayStatus, type GatewayObject } from "./gateway-resource.js";
import { planGlobalEgress, type GlobalEgressPlan } from "./global-egress.js";
import { createGlobalEgressSource } from "./global-egress-source.js";
import { leaveOutOwnRanges, ownGlobalBlock, planGlobalNat, serviceNameLabel } from "./global-plan.js";
import { loadOrCreatePrivateKey } from "./key-store.js";
import { applyRoutingSysctls, isLinkUp, listLocalAddresses, underlayDevice } from "./node-net.js";
import { planPeers, type PlannedPeer } from "./peer-plan.js";
import { createPublisher, type Publisher } from "./publisher.js";
import { gatewayConnection, type PeerView } from "./connections.js";
import { gatewayMetrics } from "./gateway-metrics.js";
import { createSerialRunner } from "./serial.js";

/** A running gateway agent. */
export interface GatewayAgent {
  readonly clusterId: string;
  /** Stops everything, releases the Lease and leaves the data plane running (restart-safe). */
  stop(): Promise<void>;
}

/** What the entry point hands the agent. */
export interface GatewayAgentDeps {
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Builds the cable driver of `config` through the explicit registry. */
export function createGatewayCable(config: GatewayConfig, options: { privateKey?: string; tunnelIp: string; localIp: string; logger: Logger }): CableDriver {
  const registry = createCableRegistry();
  registry.register("wireguard", createWireguardCable);
  registry.register("vxlan", createVxlanCable);
  const driverConfig = config.cableDriver === "wireguard"
    ? { listenPort: config.wireguardPort, privateKey: options.privateKey, tunnelIp: options.tunnelIp, mtu: config.wireguardMtu, backend: config.wireguardBackend, wireguardGo: config.wireguardGo }
    : { port: config.vxlanPort, localIp: options.localIp, tunnelIp: options.tunnelIp, mtu: config.vxlanMtu };
  return registry.create(config.cableDriver, driverConfig, { logger: options.logger });
}

/** Starts the gateway agent: joins the broker, brings the cable up and campaigns. */
export async function startGatewayAgent(config: GatewayConfig, deps: GatewayAgentDeps): Promise<GatewayAgent> {
  const kube: KubeClient = createKubeClient({ ...(config.kubeconfig === undefined ? {} : { kubeconfigPath: config.kubeconfig }), env: deps.env });
  const custom = kube.api(CustomObjectsApi);
  const { broker: brokerSecret, connection } = await ensureBrokerCredentials({ core: kube.core, logger: deps.logger, namespace: config.namespace });
  const clusterId = brokerSecret.clusterId;
  const log = deps.logger.child({ component: "gateway", clusterId, node: config.nodeName });
  let node: V1Node = await kube.core.readNode({ name: config.nodeName });

  const key = config.cableDriver === "wireguard" ? await loadOrCreatePrivateKey(keyFilePath(config)) : undefined;
  if (key?.created === true) log.info({ keyFile: keyFilePath(config) }, "generated a WireGuard key pair");
  const publicKey = key === undefined ? undefined : publicKeyFromPrivate(key.privateKey);
  const port = config.cableDriver === "wireguard" ? config.wireguardPort : config.vxlanPort;
  // The tunnel address follows the cluster's global block, which only the broker tells: until its
  // first snapshot a restarted gateway keeps the address its Gateway resource last published.
  let globalBlock: string | undefined;
  const wantedTunnelIp = (): string => tunnelAddress(node, config.tunnelIp, globalBlock === undefined ? undefined : { block: globalBlock, podCidrs: config.podCidrs });
  const published = config.tunnelIp === undefined ? (await readGateway(custom, config.nodeName))?.status?.endpoint.healthCheckIp : undefined;
  let tunnelIp = published !== undefined && isIp(published) ? published : wantedTunnelIp();
  const discover = async (): Promise<Omit<GatewayEndpoint, "role">> =>
    discoverEndpoint(node, {
      clusterId, driver: config.cableDriver, port, localAddresses: (await listLocalAddresses()).map((a) => a.address), tunnelIp,
      ...(publicKey === undefined ? {} : { publicKey }), ...(config.publicIp === undefined ? {} : { publicIp: config.publicIp }),
    });
  let endpoint = await discover();
  const localIp = endpoint.behindNat ? endpoint.privateIp : endpoint.publicIp;
  // Behind NAT the public address is not on this node: the underlay is the link it reaches other
  // sites on, as it reaches the broker (on the lab's NAT cluster: wan0, not the LAN's eth0).
  const wanDevice = await underlayDevice(endpoint.behindNat ? hostOf(connection.address) : localIp);
  log.info({ publicIp: endpoint.publicIp, privateIp: endpoint.privateIp, behindNat: endpoint.behindNat, tunnelIp: endpoint.healthCheckIp, wanDevice, publicKey }, "endpoint discovered");

  const makeCable = (address: string): CableDriver =>
    createGatewayCable(config, { ...(key === undefined ? {} : { privateKey: key.privateKey }), tunnelIp: address, localIp, logger: log });
  let cable = makeCable(tunnelIp);
  await cable.init();
  const cableDevice = config.cableDriver === "wireguard" ? defaults.wireguardDevice : "isthmus-vxlan";
  const sysctls = await applyRoutingSysctls([cableDevice]);
  if (sysctls.length > 0) log.info({ sysctls }, "set routing sysctls");

  const state = createBrokerState();
  const failover = createFailoverTracker(() => performance.now());
  let planned: PlannedPeer[] = [];
  let stopping = false;
  let brokerSynced = false;
  const demotionHoldMs = 2000;
  // Restarted while another candidate took the Lease: this node may still carry the old active's
  // tunnel, which remotes keep dialling; hold it empty briefly so their probes move them.
  const leaseClient = createKubeLeaseClient(kube.coordination);
  const holder = (await leaseClient.get({ namespace: config.namespace, name: defaults.gatewayLease }))?.holderIdentity ?? "";
  let demotedUntil = holder !== "" && holder !== config.nodeName ? performance.now() + demotionHoldMs : 0;
  // Restarted with the Lease free or still ours (a single gateway whose pod was replaced): it is
  // about to lead again, so the adopted data plane stays as it is until the election has decided;
  // a passive sync meanwhile would withdraw the remote CIDR routes the kernel still forwards on.
  let roleSettled = demotedUntil > 0;
  const settle = (): void => {
    if (roleSettled) return;
    roleSettled = true;
    clearTimeout(settleTimer);
    trigger();
  };
  const settleTimer = roleSettled ? undefined : setTimeout(settle, config.leaseDurationMs);

  const makeProber = (sourceAddress: string): HealthProber => createHealthProber({
    source: createIcmpProbeSource({ logger: log, sourceAddress }),
    logger: log,
    intervalMs: config.probeIntervalMs,
    timeoutMs: config.probeTimeoutMs,
    // A freshly chosen standby that never answers counts as failed after 3 s, not 10.
    policy: { ...defaultHealthPolicy, failureThreshold: config.probeFailureThreshold, connectTimeoutMs: 3000 },
    onChange: (remote, health, address) => {
      // Mark the gateway whose address was probed: the plan may already have moved on to another.
      const probed = state.endpoints().find((e) => e.clusterId === remote && e.healthCheckIp === address);
      if (health.status === "error" && probed !== undefined) {
        failover.markFailed(remote, probed.hostname);
        log.warn({ peer: remote, gateway: probed.hostname, address, reason: health.reason }, "remote gateway failed its probes; switching to a standby if there is one");
      }
      trigger();
    },
  });
  let prober = makeProber(tunnelIp);

  const gateways: ManagedInformer<GatewayObject> = createInformer<GatewayObject>({
    name: "gateways", path: gatewaysPath, list: () => listGateways(custom), kubeConfig: kube.config, logger: log,
  });
  const broker: BrokerClient = createBrokerClient({ ...connection, timeoutMs: 3000 });
  const stopRenewal = keepBrokerCredentials({
    core: kube.core, logger: log, namespace: config.namespace, current: connection, onRenewed: (renewed) => {
      broker.useCredentials(renewed);
    },
  });
  const publisher: Publisher = createPublisher({ broker, logger: log });
  const discovery = kube.api(DiscoveryV1Api);
  // Only slices of this cluster's exported services matter (a busy cluster changes others often).
  const onSlice = (slice: V1EndpointSlice): void => {
    const service = slice.metadata?.labels?.[serviceNameLabel];
    if (state.exports().some((e) => e.clusterId === clusterId && e.namespace === slice.metadata?.namespace && e.name === service)) trigger();
  };
  // Watched only while the cluster holds a block (every candidate: a standby must be ready to translate).
  const slices: LazyInformer<V1EndpointSlice> = createLazyInformer<V1EndpointSlice>({
    create: () => createInformer<V1EndpointSlice>({
      name: "endpointslices", path: "/apis/discovery.k8s.io/v1/endpointslices", list: () => discovery.listEndpointSliceForAllNamespaces(), kubeConfig: kube.config, logger: log,
    }),
    handlers: { add: onSlice, update: onSlice, delete: onSlice },
    onReady: trigger,
  });
  const globalEgress = createGlobalEgressSource(kube, { logger: log, onChange: trigger, recheckMs: config.resyncMs });
  const natTool = createIpTool(undefined);
  // The translation table (written when the plan changes, put back when it is changed behind the
  // agent's back: re-checked every 10 s, see global-nat-keeper.ts), and whether this gateway
  // translated under it (undefined: not known yet after a start).
  const nat: GlobalNatKeeper = createGlobalNatKeeper(natTool, { onRecheck: trigger });
  let translating: boolean | undefined;

  /** Moves the tunnel to `address`: the cable is re-created on it (adopting the device) and the probes start from it. */
  const retunnel = async (address: string): Promise<void> => {
    log.info({ from: tunnelIp, to: address, globalBlock }, "the tunnel address follows the cluster's global block; re-creating the cable on it");
    await cable.release();
    cable = makeCable(address);
    await cable.init();
    prober.stop();
    prober = makeProber(address);
    tunnelIp = address;
    endpoint = { ...endpoint, healthCheckIp: address };
  };

  /**
   * Every gateway of a cluster with a block programs the translation, commented with its role;
   * a cluster without one has no table. Backends come from the EndpointSlices: until they are
   * synced, and the GlobalEgressIPs and their pods (`egress` undefined), the table stays as it
   * is. A failure is logged and retried by the next reconcile: the tunnel keeps running.
   */
  const syncGlobalNat = async (active: boolean, egress: GlobalEgressPlan | undefined): Promise<void> => {
    try {
      await slices.need(globalBlock !== undefined);
      const spec = planGlobalNat({ clusterId, clusters: state.clusters(), exports: state.exports(), slices: slices.list(), device: cableDevice, podCidrs: config.podCidrs, egress: egress?.snat ?? [] });
      if (spec !== undefined && (!slices.ready || egress === undefined)) return;
      const role: GlobalNatRole = active ? "active" : "passive";
      // A restarted gateway finds the table as it left it: its comment says whether it translated.
      translating ??= (await readGlobalNatRole(natTool)) === "active";
      const translates = active && spec !== undefined;
      // Rules that are new go in before the flush (flows tracked again must find them); a role
      // change alone (a promotion: passives hold the same rules) flushes first, as its traffic waits on it.
      const sameRules = spec !== undefined && nat.applied === renderGlobalNat(spec, active ? "passive" : "active");
      if (!sameRules) await programGlobalNat(spec, role);
      // Just started translating (became active, or the cluster got its block) or just stopped
      // (demoted): flows this node tracked under its other role are tracked again as its table
      // now says (see flushGlobalFlows).
      if (translates !== translating) {
        const remoteCidrs = planned.flatMap((p) => p.subnets);
        const started = performance.now();
        await flushGlobalFlows(undefined, { localCidrs: config.podCidrs, remoteCidrs, globalCidrs: globalBlock === undefined ? [] : [globalBlock] }).catch((err: unknown) => {
          log.warn({ err }, "cannot drop the flows tracked before the translation changed; they recover once conntrack forgets them");
        });
        log.info({ translating: translates, ms: Math.round(performance.now() - started) }, "dropped the flows tracked under the other role");
        translating = translates;
      }
      if (sameRules) await programGlobalNat(spec, role);
    } catch (err) {
      log.error({ err }, "cannot program the global address translation; the tunnel keeps running, the next reconcile retries");
    }
  };
  const programGlobalNat = async (spec: GlobalNatSpec | undefined, role: GlobalNatRole): Promise<void> => {
    const first = nat.applied === undefined;
    const change = await nat.program(spec, role);
    if (change === "repaired") log.warn({ role }, "the global address translation table was changed behind the agent's back (deleted, flushed or edited); put back");
    if (change === "written" && (!first || spec !== undefined)) {
      log.info({ egressIp: spec?.egressIp, services: spec?.services.map((x) => x.globalIp), globalEgressIps: spec?.egress?.map((x) => x.globalIp), role }, spec === undefined ? "global address translation removed" : "global address translation programmed");
    }
  };

  const views = (): PeerView[] => {
    const snapshots = prober.snapshots();
    return planned.map((p) => ({ planned: p, health: snapshots.get(p.peer.clusterId), cable: undefined }));
  };

  const campaign: Campaign = createCampaign({
    namespace: config.namespace, leaseName: defaults.gatewayLease, identity: config.nodeName,
    leaseClient,
    leaseDurationMs: config.leaseDurationMs, renewDeadlineMs: config.renewDeadlineMs, retryPeriodMs: config.retryPeriodMs,
    logger: log,
    onLeaderObserved: (leader) => {
      if (leader !== config.nodeName) settle();
    },
    onRoleChange: (active) => {
      log.info({ role: active ? "active" : "passive" }, "gateway role changed");
      settle();
      if (!active) demotedUntil = performance.now() + demotionHoldMs;
      publisher.clear();
      trigger();
    },
  });

  const candidateEndpoints = (active: boolean): GatewayEndpoint[] => {
    const own: GatewayEndpoint = { ...endpoint, role: active ? "active" : "passive" };
    const others = gateways.list().flatMap((g) => {
      const s = g.status;
      if (s?.clusterId !== clusterId || g.metadata?.name === config.nodeName || s.endpoint.cableDriver !== config.cableDriver) return [];
      // A candidate that stopped writing its status (label removed, agent gone) is not offered as a standby.
      if (Date.now() - Date.parse(s.lastUpdated) > 3 * config.resyncMs) return [];
      return [{ ...s.endpoint, role: "passive" as const }];
    });
    return [own, ...others];
  };

  let lastStatus = "";
  let lastStatusAt = 0;
  /** The GlobalEgressIPs' plan; undefined until they (and their pods, when needed) are known. */
  const planEgress = async (): Promise<GlobalEgressPlan | undefined> => {
    try {
      await globalEgress.need(globalBlock !== undefined);
    } catch (err) {
      log.warn({ err }, "cannot start watching GlobalEgressIPs; the next reconcile tries again");
    }
    const inputs = globalEgress.inputs();
    if (inputs === undefined) return undefined;
    return planGlobalEgress({ ...inputs, cluster: brokerSynced ? state.clusters().find((c) => c.id === clusterId) : undefined, podCidrs: config.podCidrs });
  };

  const reconcile = async (): Promise<void> => {
    const active = campaign.active;
    if (brokerSynced) globalBlock = ownGlobalBlock(clusterId, state.clusters());
    const egressPlan = await planEgress();
    // Until the first broker snapshot the device keeps what it has (adopted after a restart):
    // an empty peer set would only mean "not known yet", never "remove everything".
    if (brokerSynced && roleSettled) {
      const wanted = wantedTunnelIp();
      if (wanted !== tunnelIp) await retunnel(wanted);
      failover.observe(state.endpoints());
      planned = leaveOutOwnRanges(planPeers({
        localClusterId: clusterId, driver: config.cableDriver, clusters: state.clusters(), endpoints: state.endpoints(),
        failed: failover.marks(), nowMs: performance.now(), holdMs: config.failedEndpointHoldMs, routed: active, local: endpoint,
      }), [...config.podCidrs, ...config.serviceCidrs]);
      // Right after start or after losing the Lease, stay out of the data plane for a moment:
      // remotes may still dial this gateway (a former active), and only failing probes move them
      // to the new active when the broker cannot tell them (ADR 0501).
      const holdMs = active ? 0 : demotedUntil - performance.now();
      await cable.sync(holdMs > 0 ? [] : planned.map((p) => p.peer));
      if (holdMs > 0) setTimeout(trigger, holdMs + 10);
      prober.setTargets(active ? planned.map((p) => ({ id: p.peer.clusterId, address: p.peer.tunnelIp })) : []);
      await syncGlobalNat(active, egressPlan);
      if (active && egressPlan !== undefined) await globalEgress.writeStatuses(egressPlan);
    }
    const connections = views().map((v) => gatewayConnection(v, { active, driver: config.cableDriver }));
    // Not before the GlobalEgressIPs are known: a cluster published without them frees their addresses.
    if (active && egressPlan !== undefined) {
      publisher.set({
        cluster: {
          podCidrs: config.podCidrs, serviceCidrs: config.serviceCidrs, ...globalSpecFields(config.globalCidr === "" ? undefined : parseGlobalRequest(config.globalCidr)),
          ...(egressPlan.requests.length === 0 ? {} : { globalEgress: egressPlan.requests }),
        },
        endpoints: candidateEndpoints(true),
        connections: views(),
        clusterId,
        hostname: config.nodeName,
      });
    }
    const status = { clusterId, role: active ? ("active" as const) : ("passive" as const), endpoint, connections };
    const text = JSON.stringify(status);
    if (text !== lastStatus || performance.now() - lastStatusAt > config.resyncMs) {
      await writeGatewayStatus(custom, node, { ...status, lastUpdated: new Date().toISOString() });
      lastStatus = text;
      lastStatusAt = performance.now();
    }
  };

  const runner = createSerialRunner(reconcile, { logger: log, retryMs: 1000, what: "reconcile" });
  function trigger(): void {
    runner.trigger();
  }

  // One watch for the agent's lifetime: it resumes by itself after disconnects; if it ends (the
  // broker refused it), the data plane keeps running and a new watch resumes from the last revision.
  let watch: WatchHandle | undefined;
  let rewatch: NodeJS.Timeout | undefined;
  const openWatch = (): void => {
    const since = watch?.revision;
    const handle = broker.watch({
      kinds: ["cluster", "endpoint", "export"],
      ...(since === undefined || since === 0 ? {} : { sinceRevision: since }),
      onSnapshot: (snapshot) => {
        state.applySnapshot(snapshot);
        brokerSynced = true;
        trigger();
      },
      onChanges: (batch) => { state.applyChanges(batch); trigger(); },
      onConnectionChange: (connected, err) => { log.info({ connected, err }, connected ? "broker watch connected" : "broker watch disconnected; the data plane keeps running"); },
    });
    watch = handle;
    void handle.done.catch((err: unknown) => {
      if (stopping) return;
      log.error({ err }, "the broker watch ended; the data plane keeps running, watching again in 5 s");
      rewatch = setTimeout(openWatch, 5000);
    });
  };
  openWatch();

  gateways.on("add", trigger);
  gateways.on("update", trigger);
  gateways.on("delete", trigger);
  await gateways.start();

  let linkUp = wanDevice === undefined ? true : await isLinkUp(wanDevice);
  await campaign.setEligible(linkUp);
  const linkTimer = setInterval(() => {
    if (wanDevice === undefined) return;
    void isLinkUp(wanDevice).then(async (up) => {
      if (up === linkUp || stopping) return;
      linkUp = up;
      log.warn({ device: wanDevice, up }, "underlay link changed");
      await campaign.setEligible(up);
      trigger();
    }).catch((err: unknown) => { log.warn({ err }, "cannot read the underlay link state; will retry"); });
  }, config.linkPollMs);

  const resyncTimer = setInterval(() => {
    publisher.reset();
    void kube.core.readNode({ name: config.nodeName }).then(async (fresh) => {
      node = fresh;
      endpoint = await discover();
      trigger();
    }).catch((err: unknown) => { log.warn({ err: errorMessage(err) }, "cannot re-read the node; keeping the last endpoint"); trigger(); });
  }, config.resyncMs);

  const metrics: MetricsServer | undefined = config.metricsPort === 0 ? undefined : await startMetricsServer({
    host: config.metricsHost, port: config.metricsPort, healthy: () => !stopping,
    collect: async () => gatewayMetrics({ views: views(), cable: await cable.status(), active: campaign.active, clusterId }),
  });
  trigger();
  log.info({ driver: config.cableDriver, metricsPort: metrics?.port }, "gateway agent started");

  return {
    clusterId,
    async stop() {
      stopping = true;
      clearTimeout(settleTimer);
      clearInterval(linkTimer);
      clearInterval(resyncTimer);
      nat.stop();
      runner.stop();
      // Handing over to a standby: take this gateway out of the data plane first. Its routes go,
      // so once the Lease moves the route agent here sends this node's traffic to the new active
      // gateway; its peers go, so remote gateways' probes fail and they switch to the standby they
      // know even when the broker cannot tell them (ADR 0501). The restarted agent re-adds the
      // peers as a passive. Alone, keep everything: the restarted agent adopts it without a drop.
      if (campaign.active && brokerSynced && candidateEndpoints(true).length > 1) {
        await cable.sync([]).catch((err: unknown) => {
          log.warn({ err }, "cannot withdraw the tunnel before handing over; remotes switch once the new active gateway has published");
        });
      }
      await campaign.stop();
      prober.stop();
      clearTimeout(rewatch);
      await watch?.stop();
      await publisher.stop();
      stopRenewal();
      broker.close();
      await gateways.stop();
      await slices.stop();
      await globalEgress.stop();
      await cable.release();
      // Last: an uninstall refuses while this port answers, and until the release above the
      // cable would re-create a device it removed.
      await metrics?.close();
      log.info("gateway agent stopped; the data plane keeps running");
    },
  };
}
