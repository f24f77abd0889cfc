import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKubeClient } from "./client.js";
import { KubeError } from "./errors.js";

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster: { server: "https://192.0.2.1:6443", insecure-skip-tls-verify: true }
- name: other
  cluster: { server: "https://192.0.2.2:6443", insecure-skip-tls-verify: true }
users:
- name: admin
  user: { token: abc }
contexts:
- name: lab
  context: { cluster: lab, user: admin, namespace: isthmus-system }
- name: other
  context: { cluster: other, user: admin }
current-context: lab
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "isthmus-kube-client-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof KubeError) return err.code;
    throw err;
  }
  return undefined;
}

describe("createKubeClient", () => {
  it("loads a kubeconfig file, its current context and namespace, and caches API clients", () => {
    const client = createKubeClient({ kubeconfigPath: write("config", kubeconfig) });
    expect(client.source).toBe("kubeconfig");
    expect(client.namespace).toBe("isthmus-system");
    expect(client.config.getCurrentCluster()?.server).toBe("https://192.0.2.1:6443");
    expect(client.core).toBe(client.api(CoreV1Api));
    expect(client.coordination).toBe(client.coordination);
  });

  it("switches to the requested context and rejects an unknown one", () => {
    const path = write("config", kubeconfig);
    expect(createKubeClient({ kubeconfigPath: path, context: "other" }).config.getCurrentCluster()?.name).toBe("other");
    expect(codeOf(() => createKubeClient({ kubeconfigPath: path, context: "nope" }))).toBe("BadConfig");
  });

  it("reports unreadable and unusable kubeconfigs as BadConfig", () => {
    expect(codeOf(() => createKubeClient({ kubeconfigPath: join(dir, "missing") }))).toBe("BadConfig");
    expect(codeOf(() => createKubeClient({ kubeconfigPath: write("bad", "clusters: [unterminated") }))).toBe("BadConfig");
    expect(codeOf(() => createKubeClient({ kubeconfigPath: write("noctx", "apiVersion: v1\nkind: Config\n") }))).toBe("BadConfig");
  });

  it("uses KUBECONFIG and then $HOME/.kube/config from the given env", () => {
    const path = write("config", kubeconfig);
    expect(createKubeClient({ env: { KUBECONFIG: `${path}:/elsewhere` } }).source).toBe("kubeconfig");
    mkdirSync(join(dir, ".kube"));
    write(".kube/config", kubeconfig);
    expect(createKubeClient({ env: { HOME: dir } }).namespace).toBe("isthmus-system");
  });

  it("says NoConfig when nothing applies", () => {
    expect(codeOf(() => createKubeClient({ env: { HOME: dir } }))).toBe("NoConfig");
    expect(codeOf(() => createKubeClient())).toBe("NoConfig");
    expect(codeOf(() => createKubeClient({ inCluster: true, serviceAccountDir: dir }))).toBe("NoConfig");
  });

  it("configures in-cluster access from the service-account files", () => {
    write("token", "t0k3n");
    write("ca.crt", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    write("namespace", "isthmus-system\n");
    const env = { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "6443" };
    const client = createKubeClient({ env, serviceAccountDir: dir });
    expect(client.source).toBe("in-cluster");
    expect(client.namespace).toBe("isthmus-system");
    expect(client.config.getCurrentCluster()?.server).toBe("https://[fd00::1]:6443");
    expect(client.config.getCurrentUser()?.authProvider).toEqual({ name: "tokenFile", config: { tokenFile: join(dir, "token") } });
    expect(createKubeClient({ env, serviceAccountDir: dir, inCluster: false, kubeconfigPath: write("config", kubeconfig) }).source).toBe(
      "kubeconfig",
    );
  });

  it("reports a missing CA bundle in-cluster as BadConfig", () => {
    write("token", "t0k3n");
    expect(codeOf(() => createKubeClient({ env: { KUBERNETES_SERVICE_HOST: "192.0.2.1" }, serviceAccountDir: dir }))).toBe("BadConfig");
  });
});
