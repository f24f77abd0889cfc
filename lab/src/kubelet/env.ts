/**
 * Container environment as the kubelet builds it: `envFrom` (ConfigMaps, Secrets), then `env`
 * (values with `$(VAR)` expansion, `fieldRef`, `configMapKeyRef`, `secretKeyRef`), on top of the
 * service variables `KUBERNETES_SERVICE_HOST/PORT` and the lab's identity variables. Nothing of
 * the kubelet's own environment leaks in except a standard PATH.
 */
import type { V1EnvVar } from "@kubernetes/client-node";
import type { Container, FieldSelector, Pod } from "./kube-types.js";
import { errorMessage } from "@isthmus/core/errors";
import { type Plain } from "@isthmus/core/kube";
import { KubeletError } from "./errors.js";

/** Reads ConfigMap and Secret data of the pod's namespace (undefined: not found). */
export interface ObjectReader {
  /** The ConfigMap's `data`, or undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
  /** The Secret's decoded `data`, or undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined>;
}

/** What the environment needs beyond the pod. */
export interface EnvContext {
  readonly reader: ObjectReader;
  readonly apiServer: { readonly host: string; readonly port: number };
  readonly clusterId: string;
  readonly nodeName: string;
  readonly hostIp: string;
  /** Pod IP (the node IP for hostNetwork pods). */
  readonly podIp: string | undefined;
  /** Directory of the tools the container's image ships, put before the standard PATH. */
  readonly imageToolsDir?: string | undefined;
}

/** PATH given to every container process. */
export const containerPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Expands `$(NAME)` from `vars` (unknown names stay as written; `$$(` escapes), like Kubernetes. */
export function expandVars(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][\w.-]*)\)/g, (whole, name: string | undefined) => {
    if (whole === "$$") return "$";
    return name !== undefined && Object.hasOwn(vars, name) ? (vars[name] ?? whole) : whole;
  });
}

const bracketed = /^metadata\.(labels|annotations)\['([^']+)'\]$/;

/** The value of a downward-API `fieldRef`; KubeletError "ContainerConfigError" for unsupported paths. */
export function resolveFieldRef(pod: Pod, ref: FieldSelector, context: Pick<EnvContext, "hostIp" | "podIp">): string {
  const meta = pod.metadata ?? {};
  const path = ref.fieldPath;
  const map = bracketed.exec(path);
  if (map?.[1] !== undefined && map[2] !== undefined) {
    return (map[1] === "labels" ? meta.labels : meta.annotations)?.[map[2]] ?? "";
  }
  switch (path) {
    case "metadata.name":
      return meta.name ?? "";
    case "metadata.namespace":
      return meta.namespace ?? "";
    case "metadata.uid":
      return meta.uid ?? "";
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "default";
    case "status.podIP":
    case "status.podIPs":
      return context.podIp ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return context.hostIp;
    default:
      throw new KubeletError("ContainerConfigError", `Unsupported fieldRef "${path}" in pod ${meta.namespace ?? ""}/${meta.name ?? ""}`);
  }
}

async function lookup(
  kind: "ConfigMap" | "Secret",
  read: () => Promise<Readonly<Record<string, string>> | undefined>,
  ref: { name: string; key?: string; optional?: boolean },
): Promise<string | undefined> {
  let data: Readonly<Record<string, string>> | undefined;
  try {
    data = await read();
  } catch (err) {
    throw new KubeletError("ApiFailed", `Cannot read ${kind} ${ref.name}: ${errorMessage(err)}`, { cause: err });
  }
  const value = ref.key === undefined ? undefined : data?.[ref.key];
  if (value === undefined && ref.optional !== true) {
    const what = data === undefined ? `${kind} "${ref.name}" not found` : `key "${ref.key ?? ""}" not found in ${kind} "${ref.name}"`;
    throw new KubeletError("ContainerConfigError", `Cannot set env: ${what}`);
  }
  return value;
}

async function resolveVar(v: Plain<V1EnvVar>, pod: Pod, context: EnvContext, vars: Record<string, string>): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? "default";
  const from = v.valueFrom;
  if (from === undefined) return expandVars(v.value ?? "", vars);
  if (from.fieldRef !== undefined) return resolveFieldRef(pod, from.fieldRef, context);
  const cm = from.configMapKeyRef;
  if (cm !== undefined) return lookup("ConfigMap", () => context.reader.configMap(ns, cm.name ?? ""), { name: cm.name ?? "", key: cm.key, optional: cm.optional ?? false });
  const sec = from.secretKeyRef;
  if (sec !== undefined) return lookup("Secret", () => context.reader.secret(ns, sec.name ?? ""), { name: sec.name ?? "", key: sec.key, optional: sec.optional ?? false });
  throw new KubeletError("ContainerConfigError", `Env var ${v.name}: unsupported valueFrom (only fieldRef, configMapKeyRef, secretKeyRef)`);
}

/** The full environment of `container` in `pod`. */
export async function buildContainerEnv(pod: Pod, container: Container, context: EnvContext): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? "default";
  const vars: Record<string, string> = {
    PATH: context.imageToolsDir === undefined ? containerPath : `${context.imageToolsDir}:${containerPath}`,
    HOME: "/root",
    HOSTNAME: pod.spec?.hostNetwork === true ? context.nodeName : (pod.metadata?.name ?? ""),
    KUBERNETES_SERVICE_HOST: context.apiServer.host,
    KUBERNETES_SERVICE_PORT: String(context.apiServer.port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(context.apiServer.port),
    POD_NAME: pod.metadata?.name ?? "",
    POD_NAMESPACE: ns,
    CLUSTER_ID: context.clusterId,
    NODE_NAME: context.nodeName,
  };
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? "";
    const ref = source.configMapRef ?? source.secretRef;
    const read = source.configMapRef !== undefined ? context.reader.configMap.bind(context.reader) : context.reader.secret.bind(context.reader);
    const data = ref === undefined ? undefined : await read(ns, ref.name ?? "");
    if (data === undefined && ref?.optional !== true) {
      throw new KubeletError("ContainerConfigError", `Cannot set env: envFrom ${source.configMapRef !== undefined ? "ConfigMap" : "Secret"} "${ref?.name ?? ""}" not found`);
    }
    for (const [k, v] of Object.entries(data ?? {})) vars[`${prefix}${k}`] = v;
  }
  for (const v of container.env ?? []) {
    const value = await resolveVar(v, pod, context, vars);
    if (value !== undefined) vars[v.name] = value;
  }
  return vars;
}
