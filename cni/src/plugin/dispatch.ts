import { type NetConf, parseNetConf } from "./config.js";
import { type CniEnvironment, parseCniEnvironment } from "./env.js";
import { CniError, toCniErrorObject } from "./errors.js";
import { answerVersion, type AttachmentResult, type CniVersion, formatResult, formatVersionInfo, latestVersion, parsePrevResult, peekCniVersion } from "./versions.js";

/** The pod an attachment belongs to, from CNI_ARGS (empty strings outside Kubernetes). */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** One validated request for an attachment (ADD, DEL or CHECK). */
export interface AttachmentRequest {
  readonly env: CniEnvironment;
  readonly conf: NetConf;
  readonly pod: PodRef;
  /** The previous plugin's (ADD) or the cached ADD (CHECK, DEL) result, when the runtime sent one. */
  readonly prevResult: AttachmentResult | undefined;
}

/**
 * What does the work behind the CNI verbs: the agent (thin-client mode) or the plugin process
 * itself (standalone). Every method throws CniError with the code to report.
 */
export interface CniBackend {
  /** Creates the attachment; an ADD repeated for the same container and interface returns the same address. */
  add(request: AttachmentRequest): Promise<AttachmentResult>;
  /** Removes the attachment and its address; idempotent: succeeds when any part is already gone. */
  del(request: AttachmentRequest): Promise<void>;
  /** Verifies the attachment matches `request.prevResult`; throws CheckFailed (or 3) saying what differs. */
  check(request: AttachmentRequest): Promise<void>;
  /** Throws NotAvailable (50) when the network cannot take ADDs now. */
  status(conf: NetConf): Promise<void>;
  /** Releases every attachment of the network not in `valid`; idempotent. */
  gc(conf: NetConf, valid: readonly { readonly containerID: string; readonly ifname: string }[]): Promise<void>;
}

/** What a plugin invocation prints and how it exits. */
export interface CniOutcome {
  readonly stdout: string;
  readonly exitCode: number;
}

function podRef(env: CniEnvironment): PodRef {
  return { namespace: env.args.K8S_POD_NAMESPACE ?? "", name: env.args.K8S_POD_NAME ?? "", uid: env.args.K8S_POD_UID ?? "" };
}

function merge(prev: AttachmentResult | undefined, ours: AttachmentResult): AttachmentResult {
  if (prev === undefined) return ours;
  const offset = prev.interfaces.length;
  return {
    interfaces: [...prev.interfaces, ...ours.interfaces],
    ips: [...prev.ips, ...ours.ips.map((ip) => ({ ...ip, interface: ip.interface + offset }))],
    routes: [...prev.routes, ...ours.routes],
  };
}

async function run(env: CniEnvironment, conf: NetConf, backend: CniBackend): Promise<string> {
  const version = conf.cniVersion as CniVersion;
  const request: AttachmentRequest = { env, conf, pod: podRef(env), prevResult: parsePrevResult(conf.prevResult) };
  switch (env.command) {
    case "ADD":
      return JSON.stringify(formatResult(merge(request.prevResult, await backend.add(request)), version));
    case "DEL":
      await backend.del(request);
      return "";
    case "CHECK":
      if (request.prevResult === undefined) {
        throw new CniError("InvalidConfig", "CHECK needs prevResult: pass the cached result of the ADD in the configuration");
      }
      await backend.check(request);
      return "";
    case "STATUS":
      await backend.status(conf);
      return "";
    case "GC":
      if (conf.disableGC !== true) await backend.gc(conf, conf["cni.dev/valid-attachments"] ?? []);
      return "";
    case "VERSION":
      return JSON.stringify(formatVersionInfo(conf.cniVersion));
  }
}

/**
 * Runs one CNI invocation: validates the environment and stdin, dispatches to `backend` and
 * renders the result or the spec's error object. Never throws: failures become exit status 1
 * with the error object on stdout (SPEC.md "Error").
 */
export async function handleCniInvocation(
  rawEnv: Readonly<Record<string, string | undefined>>,
  stdin: string,
  backend: CniBackend,
): Promise<CniOutcome> {
  const requested = peekCniVersion(stdin);
  try {
    if (rawEnv.CNI_COMMAND === "VERSION") return { stdout: answerVersion(stdin), exitCode: 0 };
    const env = parseCniEnvironment(rawEnv);
    const conf = parseNetConf(stdin);
    return { stdout: await run(env, conf, backend), exitCode: 0 };
  } catch (err) {
    return { stdout: JSON.stringify(toCniErrorObject(err, requested ?? latestVersion)), exitCode: 1 };
  }
}
