import { access } from "node:fs/promises";
import { defaults } from "@isthmus/core/constants";
import { type Cidr, nthAddress, parseCidr, parseIp } from "@isthmus/core/net";
import { type IpamStore, createIpamStore } from "../ipam/store.js";
import type { NetConf } from "../plugin/config.js";
import type { AttachmentRequest, CniBackend, PodRef } from "../plugin/dispatch.js";
import { CniError } from "../plugin/errors.js";
import type { AttachmentResult } from "../plugin/versions.js";
import { type BandwidthLimits, bandwidthScript, hasLimits, parseBandwidthAnnotations } from "./bandwidth.js";
import type { CommandRunner } from "./exec.js";
import { type HostLinks, createIpHostLinks } from "./host-links.js";
import { attachmentDevices, createPodLink, deletePodLink, hostMac, hostVethMaster, inspectPodLink, podMac } from "./pod-link.js";

/** Where pod annotations come from (the agent's informer cache, or the API server). */
export interface PodAnnotationSource {
  /** The pod's annotations; {} for a pod it does not know. Throws CniError "TryAgainLater" when not synced. */
  get(pod: PodRef): Promise<Readonly<Record<string, string>>>;
}

/** Options of {@link createDatapathBackend}. */
export interface DatapathBackendOptions {
  readonly runner: CommandRunner;
  /** How `ip` inside a pod namespace names the host namespace; default: this process's PID. */
  readonly hostNsRef?: string;
  readonly annotations?: PodAnnotationSource;
  /** Default IPAM directory when the config names none. */
  readonly dataDir?: string;
  /** The host-side link step; default `ip` through the runner (the agent passes netlink). */
  readonly hostLinks?: HostLinks;
}

/** Default directory of IPAM records. */
export const defaultDataDir = "/var/lib/cni/isthmus";
const defaultMtu = 1500 - defaults.vxlanOverhead;

interface Network {
  readonly subnet: Cidr;
  readonly gateway: ReturnType<typeof parseIp>;
  readonly bridge: string;
  readonly mtu: number;
  readonly ipam: IpamStore;
}

function parseNetwork(conf: NetConf, dataDir: string, stores: Map<string, IpamStore>): Network {
  let subnet: Cidr;
  let gateway;
  try {
    subnet = parseCidr(conf.ipam.subnet);
    gateway = conf.ipam.gateway === undefined ? nthAddress(subnet, 1) : parseIp(conf.ipam.gateway);
  } catch (err) {
    throw new CniError("InvalidConfig", `Invalid ipam section: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const dir = conf.ipam.dataDir ?? dataDir;
  const key = `${dir}|${conf.name}|${subnet.toString()}`;
  let ipam = stores.get(key);
  if (ipam === undefined) {
    ipam = createIpamStore({ dataDir: dir, network: conf.name, subnet, gateway });
    stores.set(key, ipam);
  }
  return { subnet, gateway, bridge: conf.bridge ?? defaults.cniBridge, mtu: conf.mtu ?? defaultMtu, ipam };
}

function limitsOf(conf: NetConf, annotations: Readonly<Record<string, string>>): BandwidthLimits {
  const fromRuntime = conf.runtimeConfig?.bandwidth;
  const fromPod = parseBandwidthAnnotations(annotations);
  return {
    ...(fromRuntime?.ingressRate === undefined ? {} : { ingressBps: fromRuntime.ingressRate }),
    ...(fromRuntime?.egressRate === undefined ? {} : { egressBps: fromRuntime.egressRate }),
    ...fromPod,
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The CNI backend that does the work: IPAM on disk, veth + bridge + tc through `ip`/`tc` batches. */
export function createDatapathBackend(options: DatapathBackendOptions): CniBackend {
  const { runner } = options;
  const stores = new Map<string, IpamStore>();
  const hostNsRef = options.hostNsRef ?? String(process.pid);
  const hostLinks = options.hostLinks ?? createIpHostLinks(runner);
  const network = (conf: NetConf): Network => parseNetwork(conf, options.dataDir ?? defaultDataDir, stores);
  const annotationsOf = async (pod: PodRef): Promise<Readonly<Record<string, string>>> =>
    options.annotations === undefined || pod.name === "" ? {} : options.annotations.get(pod);

  async function add(request: AttachmentRequest): Promise<AttachmentResult> {
    const { env, conf } = request;
    const net = network(conf);
    if (!(await exists(env.netns))) {
      throw new CniError("InvalidEnvironment", `CNI_NETNS ${env.netns} does not exist: pass the path of the container's network namespace`);
    }
    const annotations = await annotationsOf(request.pod);
    const limits = limitsOf(conf, annotations);
    const fixed = annotations[defaults.podIpAnnotation];
    let requested;
    try {
      requested = fixed === undefined ? undefined : parseIp(fixed);
    } catch (err) {
      throw new CniError("InvalidConfig", `Annotation ${defaults.podIpAnnotation} ${JSON.stringify(fixed)} is not an IP address: ${err instanceof Error ? err.message : String(err)}`);
    }
    const key = { containerId: env.containerId, ifName: env.ifName };
    const address = await net.ipam.allocate(key, requested);
    const devices = attachmentDevices(env.containerId, env.ifName);
    try {
      await createPodLink(runner, { netns: env.netns, ifName: env.ifName, devices, hostNsRef, address, prefix: net.subnet.prefix, gateway: net.gateway, mtu: net.mtu, bridge: net.bridge, withIfb: limits.egressBps !== undefined, hostLinks });
      if (hasLimits(limits)) await runner.run(["tc", "-batch", "-"], { stdin: bandwidthScript(limits, devices) });
    } catch (err) {
      await deletePodLink(runner, devices);
      await net.ipam.release(key);
      throw err;
    }
    return {
      interfaces: [
        { name: devices.hostVeth, mac: hostMac(devices.hostVeth) },
        { name: env.ifName, mac: podMac(address), sandbox: env.netns, mtu: net.mtu },
      ],
      ips: [{ address: `${address.toString()}/${net.subnet.prefix}`, gateway: net.gateway.toString(), interface: 1 }],
      routes: [{ dst: "0.0.0.0/0", gw: net.gateway.toString() }],
    };
  }

  async function check(request: AttachmentRequest): Promise<void> {
    const { env, conf, prevResult } = request;
    const net = network(conf);
    if (!(await exists(env.netns))) throw new CniError("UnknownContainer", `CNI_NETNS ${env.netns} does not exist: the container is gone`);
    const key = { containerId: env.containerId, ifName: env.ifName };
    const held = (await net.ipam.list()).find((a) => a.containerId === key.containerId && a.ifName === key.ifName);
    const state = await inspectPodLink(runner, { netns: env.netns, ifName: env.ifName });
    const fail = (what: string): never => {
      throw new CniError("CheckFailed", `CHECK of ${env.containerId}/${env.ifName}: ${what}; delete and re-add the pod's network`);
    };
    if (state.link === undefined) fail(`interface ${env.ifName} is missing in ${env.netns}`);
    if (held === undefined) fail("no address is allocated to this attachment");
    const expected = `${held?.ip.toString() ?? ""}/${net.subnet.prefix}`;
    for (const ip of prevResult?.ips ?? []) {
      if (ip.address !== expected) fail(`prevResult address ${ip.address} differs from the allocated ${expected}`);
    }
    if (!state.addresses.includes(expected)) fail(`address ${expected} is missing on ${env.ifName} (has ${state.addresses.join(", ") || "none"})`);
    if (!state.defaultGateways.includes(net.gateway.toString())) fail(`the default route via ${net.gateway.toString()} is missing`);
    if (state.link?.mtu !== net.mtu) fail(`MTU is ${state.link?.mtu ?? 0}, expected ${net.mtu}`);
    const devices = attachmentDevices(env.containerId, env.ifName);
    const master = await hostVethMaster(runner, devices.hostVeth);
    if (master !== net.bridge) fail(`host veth ${devices.hostVeth} is ${master === undefined ? "missing" : `attached to "${master}"`}, expected bridge ${net.bridge}`);
  }

  return {
    add,
    check,
    del: async (request) => {
      const net = network(request.conf);
      await deletePodLink(runner, attachmentDevices(request.env.containerId, request.env.ifName));
      await net.ipam.release({ containerId: request.env.containerId, ifName: request.env.ifName });
    },
    status: async (conf) => {
      const net = network(conf);
      const out = await runner.run(["ip", "-j", "link", "show", "dev", net.bridge], { allowFailure: true });
      if (out.code !== 0) throw new CniError("NotAvailable", `Bridge ${net.bridge} does not exist: the isthmus-node agent has not set up this node yet`);
    },
    gc: async (conf, valid) => {
      const net = network(conf);
      const leaked = await net.ipam.gc(valid.map((v) => ({ containerId: v.containerID, ifName: v.ifname })));
      for (const a of leaked) await deletePodLink(runner, attachmentDevices(a.containerId, a.ifName));
    },
  };
}
