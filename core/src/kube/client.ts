import { existsSync, readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { join } from "node:path";
import { CoordinationV1Api, CoreV1Api, KubeConfig, type ApiConstructor, type ApiType } from "@kubernetes/client-node";
import { errorMessage } from "../errors.js";
import { KubeError } from "./errors.js";

/** Where a pod finds its service-account token, CA bundle and namespace. */
export const defaultServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Options of {@link createKubeClient}. Nothing here is read from `process.env`: main.ts passes `env`. */
export interface KubeClientOptions {
  /** A kubeconfig file; wins over everything else. */
  readonly kubeconfigPath?: string;
  /** The kubeconfig context to use instead of its current context. */
  readonly context?: string;
  /** true: in-cluster only; false: never in-cluster; unset: in-cluster when the pod environment is there. */
  readonly inCluster?: boolean;
  /** The process environment (KUBERNETES_SERVICE_HOST/PORT, KUBECONFIG, HOME); default none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory of the service-account files; default {@link defaultServiceAccountDir}. */
  readonly serviceAccountDir?: string;
}

/** A loaded Kubernetes configuration with API clients made on first use. */
export interface KubeClient {
  /** The loaded configuration (for makeInformer, Watch and friends). */
  readonly config: KubeConfig;
  /** Where the configuration came from. */
  readonly source: "kubeconfig" | "in-cluster";
  /** The pod's namespace (in-cluster) or the context's namespace, when known. */
  readonly namespace: string | undefined;
  /** The API client of class `api`, made once and cached. */
  api<T extends ApiType>(api: ApiConstructor<T>): T;
  /** The core/v1 client. */
  readonly core: CoreV1Api;
  /** The coordination.k8s.io/v1 client (Leases). */
  readonly coordination: CoordinationV1Api;
}

/**
 * Loads a Kubernetes configuration, in this order: `kubeconfigPath`; in-cluster (when
 * `inCluster` is true, or unset and `KUBERNETES_SERVICE_HOST` and the token file exist);
 * `KUBECONFIG` (first path) from `env`; `$HOME/.kube/config`. Throws KubeError "NoConfig" when
 * none applies, "BadConfig" when the chosen one cannot be used.
 */
export function createKubeClient(options: KubeClientOptions = {}): KubeClient {
  const { config, source, namespace } = loadConfig(options);
  const apis = new Map<ApiConstructor<ApiType>, ApiType>();
  const api = <T extends ApiType>(ctor: ApiConstructor<T>): T => {
    let client = apis.get(ctor) as T | undefined;
    if (client === undefined) {
      client = config.makeApiClient(ctor);
      apis.set(ctor, client);
    }
    return client;
  };
  return {
    config,
    source,
    namespace,
    api,
    get core() {
      return api(CoreV1Api);
    },
    get coordination() {
      return api(CoordinationV1Api);
    },
  };
}

interface LoadedConfig {
  config: KubeConfig;
  source: KubeClient["source"];
  namespace: string | undefined;
}

function loadConfig(options: KubeClientOptions): LoadedConfig {
  const env = options.env ?? {};
  const saDir = options.serviceAccountDir ?? defaultServiceAccountDir;
  if (options.kubeconfigPath !== undefined) {
    return loadKubeconfig(options.kubeconfigPath, options.context);
  }
  const podEnvironment = env.KUBERNETES_SERVICE_HOST !== undefined && existsSync(join(saDir, "token"));
  if (options.inCluster === true || (options.inCluster === undefined && podEnvironment)) {
    return loadInCluster(env, saDir);
  }
  const fromEnv = env.KUBECONFIG?.split(":").find((p) => p !== "");
  if (fromEnv !== undefined) {
    return loadKubeconfig(fromEnv, options.context);
  }
  const home = env.HOME === undefined ? undefined : join(env.HOME, ".kube", "config");
  if (home !== undefined && existsSync(home)) {
    return loadKubeconfig(home, options.context);
  }
  throw new KubeError(
    "NoConfig",
    "Cannot find a Kubernetes configuration: no kubeconfig path given, KUBECONFIG unset, no $HOME/.kube/config and not running in a pod",
  );
}

function loadKubeconfig(path: string, context: string | undefined): LoadedConfig {
  const config = new KubeConfig();
  try {
    config.loadFromFile(path);
  } catch (err) {
    throw new KubeError("BadConfig", `Cannot load kubeconfig ${path}: ${errorMessage(err)}`, { cause: err });
  }
  if (context !== undefined) {
    if (config.getContextObject(context) === null) {
      const known = config.getContexts().map((c) => c.name);
      throw new KubeError("BadConfig", `Kubeconfig ${path} has no context "${context}" (contexts: ${known.join(", ") || "none"})`);
    }
    config.setCurrentContext(context);
  }
  const current = config.getContextObject(config.getCurrentContext());
  if (current === null) {
    throw new KubeError("BadConfig", `Kubeconfig ${path} has no usable current context ("${config.getCurrentContext()}")`);
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null || cluster.server === "") {
    throw new KubeError("BadConfig", `Kubeconfig ${path}: context "${current.name}" names no cluster with a server URL`);
  }
  return { config, source: "kubeconfig", namespace: current.namespace };
}

function loadInCluster(env: Readonly<Record<string, string | undefined>>, saDir: string): LoadedConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (host === undefined || host === "") {
    throw new KubeError("NoConfig", "Cannot configure in-cluster access: KUBERNETES_SERVICE_HOST is not set");
  }
  const tokenFile = join(saDir, "token");
  const caFile = join(saDir, "ca.crt");
  for (const file of [tokenFile, caFile]) {
    if (!existsSync(file)) {
      throw new KubeError("BadConfig", `Cannot configure in-cluster access: ${file} does not exist`);
    }
  }
  const namespaceFile = join(saDir, "namespace");
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() : undefined;
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const config = new KubeConfig();
  config.loadFromClusterAndUser(
    { name: "in-cluster", server, caFile, skipTLSVerify: false },
    { name: "in-cluster", authProvider: { name: "tokenFile", config: { tokenFile } } },
  );
  return { config, source: "in-cluster", namespace: namespace === "" ? undefined : namespace };
}
