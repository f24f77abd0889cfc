import { describe, expect, it } from "vitest";
import type { Container, Pod } from "./kube-types.js";
import { buildContainerEnv, expandVars, type EnvContext, type ObjectReader } from "./env.js";

const reader: ObjectReader = {
  configMap: (_ns, name) => Promise.resolve(name === "settings" ? { LOG_LEVEL: "debug", broker: "198.18.1.2:7443" } : undefined),
  secret: (_ns, name) => Promise.resolve(name === "join" ? { token: "t0k3n" } : undefined),
};
const context: EnvContext = {
  reader,
  apiServer: { host: "198.18.1.2", port: 6443 },
  clusterId: "c1",
  nodeName: "c1-n1",
  hostIp: "198.18.1.11",
  podIp: "10.1.1.5",
};
const pod: Pod = {
  metadata: { name: "gw-abc", namespace: "isthmus-system", uid: "u-1", labels: { app: "gw" } },
  spec: { nodeName: "c1-n1", containers: [] },
};
const container = (extra: Partial<Container>): Container => ({ name: "c", image: "isthmus/gateway:v1", ...extra });

describe("buildContainerEnv", () => {
  it("sets service, identity and PATH variables", async () => {
    const env = await buildContainerEnv(pod, container({}), context);
    expect(env).toMatchObject({
      KUBERNETES_SERVICE_HOST: "198.18.1.2",
      KUBERNETES_SERVICE_PORT: "6443",
      POD_NAME: "gw-abc",
      POD_NAMESPACE: "isthmus-system",
      CLUSTER_ID: "c1",
      NODE_NAME: "c1-n1",
    });
    expect(env.PATH).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  });

  it("puts the image's tools directory first on the PATH when there is one", async () => {
    const env = await buildContainerEnv(pod, container({}), { ...context, imageToolsDir: "/cache/bin/wireguard-go-v1" });
    expect(env.PATH).toBe("/cache/bin/wireguard-go-v1:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  });

  it("resolves values, fieldRefs, ConfigMap and Secret keys, envFrom and $(VAR)", async () => {
    const env = await buildContainerEnv(
      pod,
      container({
        envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }],
        env: [
          { name: "A", value: "x" },
          { name: "B", value: "$(A)-$(NODE_NAME)-$$(A)-$(MISSING)" },
          { name: "MY_POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "MY_NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "MY_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "LOG_LEVEL" } } },
          { name: "TOKEN", valueFrom: { secretKeyRef: { name: "join", key: "token" } } },
          { name: "OPT", valueFrom: { secretKeyRef: { name: "absent", key: "k", optional: true } } },
        ],
      }),
      context,
    );
    expect(env).toMatchObject({
      CFG_LOG_LEVEL: "debug",
      B: "x-c1-n1-$(A)-$(MISSING)",
      MY_POD: "gw-abc",
      MY_NODE: "c1-n1",
      MY_IP: "10.1.1.5",
      HOST_IP: "198.18.1.11",
      APP: "gw",
      LEVEL: "debug",
      TOKEN: "t0k3n",
    });
    expect(env).not.toHaveProperty("OPT");
  });

  it("refuses missing required references and unsupported fields", async () => {
    const missing = container({ env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "settings", key: "nope" } } }] });
    await expect(buildContainerEnv(pod, missing, context)).rejects.toMatchObject({ code: "ContainerConfigError" });
    const absent = container({ env: [{ name: "X", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }] });
    await expect(buildContainerEnv(pod, absent, context)).rejects.toMatchObject({ code: "ContainerConfigError" });
    const field = container({ env: [{ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.unknown" } } }] });
    await expect(buildContainerEnv(pod, field, context)).rejects.toMatchObject({ code: "ContainerConfigError" });
  });
});

describe("expandVars", () => {
  it("expands known names only and unescapes $$", () => {
    expect(expandVars("$(A)/$(B)/$$(A)/$A", { A: "1" })).toBe("1/$(B)/$(A)/$A");
  });
});
