import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { createKubeClient, createKubeLeaseClient, createLeaderElector, type LeaderElector } from "@isthmus/core/kube";
import { describe, expect, it } from "vitest";
import { podAddressDir } from "./nodes.js";
import { findNode } from "./plan.js";
import { requireLab } from "./state.js";
import { labKubeconfig, labStatus } from "./verbs.js";
import { labExecOutput, labKubectl } from "../testing/helpers.js";
import { waitFor } from "./wait.js";
import { labUp, repoRoot } from "./up.js";
import { sharedLabOptions } from "../testing/global-setup.js";

function kubectl(cluster: string, args: readonly string[], input?: string): Promise<string> {
  return labKubectl(cluster, args, input === undefined ? {} : { input });
}

const execIn = labExecOutput;

const workloads = join(repoRoot, "lab/dist/workloads/main.js");
const ns = "lab-echo";

const manifests = {
  apiVersion: "v1",
  kind: "List",
  items: [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "echo", namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "echo" } },
        template: {
          metadata: { labels: { app: "echo" } },
          spec: { containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080, protocol: "TCP" }] }] },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "echo", namespace: ns },
      spec: { selector: { app: "echo" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "client", namespace: ns },
      spec: { containers: [{ name: "client", image: "lab/client" }] },
    },
  ],
};

describe("the shared lab (2 clusters x 2 nodes)", () => {
  it.each(["c1", "c2"])("lists both nodes of %s Ready with podCIDRs from the controller-manager (real kubectl)", async (cluster) => {
    const { plan } = await requireLab();
    const expected = plan.clusters.find((c) => c.id === cluster)!;
    const nodes = JSON.parse(await kubectl(cluster, ["get", "nodes", "-o", "json"])) as {
      items: { metadata: { name: string }; spec: { podCIDR?: string }; status: { conditions: { type: string; status: string }[] } }[];
    };
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual([`${cluster}-n1`, `${cluster}-n2`]);
    for (const node of nodes.items) {
      expect(node.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
      const prefix = expected.podCidr.split(".").slice(0, 2).join(".");
      expect(node.spec.podCIDR).toMatch(new RegExp(`^${prefix.replace(".", "\\.")}\\.\\d+\\.0/24$`));
    }
  });

  it("runs an echo Deployment behind a ClusterIP Service in c1, reachable by ClusterIP and by DNS name", async () => {
    await kubectl("c1", ["apply", "-f", "-"], JSON.stringify(manifests));
    await kubectl("c1", ["-n", ns, "rollout", "status", "deployment/echo", "--timeout=90s"]);
    await kubectl("c1", ["-n", ns, "wait", "pod/client", "--for=condition=Ready", "--timeout=90s"]);
    const ready = await waitFor(
      "2 ready endpoints in the echo EndpointSlice",
      async () => {
        const slices = JSON.parse(await kubectl("c1", ["-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=echo", "-o", "json"])) as {
          items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[];
        };
        const addrs = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready === true).flatMap((e) => e.addresses));
        return addrs.length === 2 ? addrs : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(ready.every((a) => a.startsWith("10.1."))).toBe(true);
    const clusterIp = (await kubectl("c1", ["-n", ns, "get", "service", "echo", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    expect(clusterIp).toMatch(/^10\.101\./);
    // kube-proxy programs the Service a moment after the EndpointSlice is ready (until then the
    // ClusterIP refuses connections): wait until it answers, then count the backends.
    await waitFor(
      "the ClusterIP to answer",
      () => execIn(`c1/${ns}/client`, ["node", workloads, "http-get", `http://${clusterIp}/`]).then(() => true, () => undefined),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      const reply = JSON.parse(await execIn(`c1/${ns}/client`, ["node", workloads, "http-get", `http://${clusterIp}/`])) as { pod: string; cluster: string };
      expect(reply.cluster).toBe("c1");
      seen.add(reply.pod);
    }
    expect([...seen].every((p) => p.startsWith("echo-"))).toBe(true);
    expect(seen.size).toBe(2);
    const dig = await execIn(`c1/${ns}/client`, ["dig", "+short", "+time=2", "+tries=2", "@10.101.0.10", `echo.${ns}.svc.cluster.local`]);
    expect(dig.trim()).toBe(clusterIp);
    const logs = await kubectl("c1", ["-n", ns, "logs", "deployment/echo"]);
    expect(logs).toContain("echo listening");
    const byName = JSON.parse(await execIn(`c1/${ns}/client`, ["node", workloads, "http-get", `http://echo.${ns}.svc.cluster.local/`])) as { pod: string };
    expect(byName.pod).toMatch(/^echo-/);
  });

  it("runs CNI DEL when a pod is deleted: no veth left on the node, its address released", async () => {
    const pod = JSON.parse(await kubectl("c1", ["-n", ns, "get", "pod", "client", "-o", "json"])) as { spec: { nodeName: string }; status: { podIP: string } };
    const { plan } = await requireLab();
    const node = findNode(plan, "c1", pod.spec.nodeName);
    const ipamDir = podAddressDir(plan, node);
    if (ipamDir === undefined) throw new Error(`the shared lab has no pod network (${plan.podNetwork})`);
    expect(await readdir(ipamDir)).toContain(pod.status.podIP);
    // The host end of the pod's veth, by the peer index the pod's eth0 reports. (Counting the
    // node's veths would race with other suites' pods that are still terminating.)
    const podLink = await execIn(`c1/${ns}/client`, ["ip", "-o", "link", "show", "dev", "eth0"]);
    const hostIndex = /^\d+: eth0@if(\d+):/.exec(podLink)?.[1];
    expect(hostIndex, podLink).toBeDefined();
    const hostVeth = async (): Promise<string | undefined> =>
      (await execIn(`c1/${node.name}`, ["ip", "-o", "link", "show", "type", "veth"]))
        .split("\n")
        .find((line) => line.startsWith(`${hostIndex}: `));
    expect(await hostVeth()).toMatch(/^\d+: isv-[0-9a-f]{10}@/);
    await kubectl("c1", ["-n", ns, "delete", "pod", "client", "--wait=true", "--timeout=60s"]);
    await waitFor(
      "the client pod's address to be released",
      async () => ((await readdir(ipamDir)).includes(pod.status.podIP) ? undefined : true),
      { timeoutMs: 30_000 },
    );
    expect(await hostVeth()).toBeUndefined();
  });

  it("elects a new leader on the real apiserver within lease duration + retry period after the holder dies", async () => {
    const client = createKubeClient({ kubeconfigPath: await labKubeconfig("c1") });
    const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };
    const leading = new Map<string, number>();
    const make = (identity: string): LeaderElector =>
      createLeaderElector({
        lease: { namespace: "default", name: "lab-leader-test" },
        identity,
        ...timing,
        leaseClient: createKubeLeaseClient(client.coordination),
        releaseOnStop: false,
        onStartedLeading: () => {
          leading.set(identity, Date.now());
        },
        onStoppedLeading: () => undefined,
      });
    const a = make("a");
    const b = make("b");
    await a.start();
    await waitFor("a to lead", () => Promise.resolve(leading.has("a") || undefined), { timeoutMs: 10_000, intervalMs: 50 });
    await b.start();
    await waitFor("b to see a as leader", () => Promise.resolve(b.leader === "a" || undefined), { timeoutMs: 10_000, intervalMs: 50 });
    // "Kill" the holder: it stops renewing and does not release the Lease.
    const killedAt = Date.now();
    await a.stop();
    await waitFor("b to lead", () => Promise.resolve(leading.has("b") || undefined), { timeoutMs: 15_000, intervalMs: 50 });
    const takeover = (leading.get("b") ?? 0) - killedAt;
    // Acquire retries carry up to 20% jitter; allow 300 ms for API round trips.
    expect(takeover).toBeLessThanOrEqual(timing.leaseDurationMs + timing.retryPeriodMs * 1.2 + 300);
    await b.stop();
  });

  it("applies an operator's edit of the coredns ConfigMap (a stub zone) to the running CoreDNS", async () => {
    const cm = JSON.parse(await kubectl("c2", ["-n", "kube-system", "get", "configmap", "coredns", "-o", "json"])) as { data: { Corefile: string } };
    const zone = ["lab-stub.test:53 {", "    template IN A lab-stub.test {", '        answer "{{ .Name }} 5 IN A 198.18.200.7"', "    }", "}", ""].join("\n");
    cm.data.Corefile += zone;
    await kubectl("c2", ["replace", "-f", "-"], JSON.stringify(cm));
    const answer = await waitFor(
      "CoreDNS to serve the new zone",
      async () => {
        const out = (await labExecOutput("c2/n2", ["dig", "+short", "+time=1", "+tries=1", "@10.102.0.10", "x.lab-stub.test"])).trim();
        return out === "" ? undefined : out;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    expect(answer).toBe("198.18.200.7");
  });

  it("says it is already up instead of making a second lab, and reports every component running", async () => {
    const result = await labUp(sharedLabOptions);
    expect(result.alreadyUp).toBe(true);
    const status = await labStatus();
    for (const cluster of status.clusters) {
      expect(cluster.error).toBeUndefined();
      expect(cluster.components.filter((c) => !c.running)).toEqual([]);
      expect(cluster.nodes.map((n) => n.ready)).toEqual([true, true]);
    }
  });
});
