import { readFile } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { errorMessage } from "@isthmus/core/errors";
import { KubeletError } from "./errors.js";

const absolutePath = z.string().min(1).refine((p) => isAbsolute(p), { error: "must be an absolute path" });
const label = z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be an RFC 1123 label");
const dnsName = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be an RFC 1123 subdomain");
const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/, "must be an IPv4 address");
const port = z.number().int().min(1).max(65535);
const positiveMs = z.number().int().positive();

/** The zod schema of the kubelet's config file (docs: /work/briefs/lab-contract.md); unknown keys are rejected. */
export const kubeletConfigSchema = z
  .strictObject({
    /** Cluster id, given to workloads as CLUSTER_ID. */
    clusterId: label,
    /** Node object name. */
    nodeName: dnsName,
    /** InternalIP of the node; also the pod IP and host IP of hostNetwork pods. */
    nodeIp: ipv4,
    /** Kubeconfig of user system:node:<nodeName> (group system:nodes). */
    kubeconfig: absolutePath,
    /** Pod logs, pod state and tokens live under `<stateDir>/pods/<ns>_<name>/`. */
    stateDir: absolutePath,
    /** Labels the Node is registered with (merged over the standard kubernetes.io ones). */
    labels: z.record(z.string().min(1), z.string()).default({}),
    /** Cluster DNS address written into workload pods' resolv.conf. */
    clusterDns: ipv4,
    clusterDomain: dnsName.default("cluster.local"),
    cniConfDir: absolutePath.default("/etc/cni/net.d"),
    cniBinDir: absolutePath.default("/opt/cni/bin"),
    /** Checkout whose built `dist/` entry points the pods run. */
    repoRoot: absolutePath,
    /**
     * Directory of the third-party tools our component images ship (the pinned wireguard-go),
     * put first on the PATH of `isthmus/*` containers as the image's /usr/local/bin would be.
     */
    imageToolsDir: absolutePath.optional(),
    /**
     * Third-party images the lab runs as built binaries, by repository without the tag
     * (`ghcr.io/flannel-io/flannel` → the lab's flanneld); see images.ts.
     */
    nativeImages: z.record(z.string().min(1), absolutePath).default({}),
    /** Audience of projected service-account tokens (the API server's issuer). */
    serviceAccountIssuer: z.url(),
    /** Where pods reach the API server (KUBERNETES_SERVICE_HOST/PORT). */
    apiServer: z.strictObject({ host: ipv4, port }),
    /** Crash-restart backoff: base 10 s, cap 5 min unless overridden (tests). */
    restartBackoff: z.strictObject({ baseMs: positiveMs, maxMs: positiveMs }).default({ baseMs: 10_000, maxMs: 300_000 }),
    /** Node status heartbeat period; the Lease is renewed every `leaseRenewMs`. */
    nodeStatusIntervalMs: positiveMs.default(15_000),
    leaseRenewMs: positiveMs.default(10_000),
    leaseDurationSeconds: z.number().int().positive().default(40),
    /** HTTPS port of the kubelet endpoint (`kubectl logs`) on nodeIp; 0 disables it. */
    serverPort: z.number().int().min(0).max(65535).default(10250),
    /** Period of the per-pod resync (readiness probes, token refresh). */
    podResyncMs: positiveMs.default(5_000),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  })
  .refine((c) => c.restartBackoff.maxMs >= c.restartBackoff.baseMs, {
    error: "restartBackoff.maxMs must be ≥ restartBackoff.baseMs",
    path: ["restartBackoff", "maxMs"],
  });

/** The config file as written (defaults may be omitted). */
export type KubeletConfigInput = z.input<typeof kubeletConfigSchema>;
/** The parsed, defaulted, frozen config. */
export type KubeletConfig = Readonly<z.output<typeof kubeletConfigSchema>>;

/** Validates a config value; throws KubeletError "InvalidConfig" listing every bad field. */
export function parseKubeletConfig(value: unknown): KubeletConfig {
  const result = kubeletConfigSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new KubeletError("InvalidConfig", `Invalid kubelet config: ${issues}`, { cause: result.error });
  }
  return Object.freeze(result.data);
}

/** Reads and validates the JSON config file at `path`. */
export async function loadKubeletConfig(path: string): Promise<KubeletConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new KubeletError("InvalidConfig", `Cannot read kubelet config ${path}: ${errorMessage(err)}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new KubeletError("InvalidConfig", `Kubelet config ${path} is not JSON: ${errorMessage(err)}`, { cause: err });
  }
  return parseKubeletConfig(value);
}
