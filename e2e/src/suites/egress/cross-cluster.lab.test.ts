/**
 * An egress gateway leaves cross-cluster traffic alone (issue #17, ADR 0407), on the shared lab
 * joined with the CLI (c1 and c2, the MCS suites' fixture): pod `sel` on c1-n2 is selected by an
 * EgressGateway with every destination (0.0.0.0/0) served by c1-n1; the lab's outside host sees
 * it with the egress IP, while an echo pod in c2 sees its pod IP: the route agent's routes to
 * the clusterset are more specific than the default route, so the steering never takes them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, requireLab } from "@isthmus/lab";
import { ensureOutside, labExecOutput, labKubectl, waitFor } from "@isthmus/lab/testing";
import { workloadsMain } from "../cni/fixture.js";
import { joinLab, type JoinedLab } from "../mcs/fixture.js";

const ns = "egress17x";
const egressIp = "198.18.1.52";
const gatewayName = "e2e-egress-xc";
let lab: JoinedLab | undefined;
let outsideUrl = "";

const list = (items: readonly object[]): string => JSON.stringify({ apiVersion: "v1", kind: "List", items });
const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } };
const sel = { apiVersion: "v1", kind: "Pod", metadata: { name: "sel", namespace: ns, labels: { egress: "yes" } }, spec: { nodeName: "c1-n2", terminationGracePeriodSeconds: 2, containers: [{ name: "client", image: "lab/client" }] } };
const echo = { apiVersion: "v1", kind: "Pod", metadata: { name: "echo", namespace: ns }, spec: { nodeName: "c2-n2", terminationGracePeriodSeconds: 2, containers: [{ name: "echo", image: "lab/echo", ports: [{ containerPort: 8080 }] }] } };
const gateway = {
  apiVersion: "isthmus.io/v1alpha1",
  kind: "EgressGateway",
  metadata: { name: gatewayName },
  spec: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } }, podSelector: { matchLabels: { egress: "yes" } }, nodeSelector: { matchLabels: { "kubernetes.io/hostname": "c1-n1" } }, egressIP: `${egressIp}/24` },
};

const podIp = async (cluster: string, name: string): Promise<string> => (await labKubectl(cluster, ["-n", ns, "get", "pod", name, "-o", "jsonpath={.status.podIP}"])).trim();

/** The client address `url`'s echo server saw for a GET from `sel` (retried until the deadline). */
async function seenBy(url: string): Promise<string> {
  return waitFor(`an answer from ${url} to sel`, async () => {
    const out = await labExecOutput(`c1/${ns}/sel`, [process.execPath, workloadsMain, "http-get", url, "--timeout", "3000"], { timeoutMs: 30_000 }).catch(() => "");
    return out === "" ? undefined : ((JSON.parse(out) as { client: string }).client.split(":")[0] ?? "");
  }, { timeoutMs: 120_000, intervalMs: 500 });
}

beforeAll(async () => {
  const { plan } = await requireLab();
  outsideUrl = (await ensureOutside(plan, { repoRoot })).url;
  lab = await joinLab();
  for (const cluster of ["c1", "c2"]) await labKubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  await labKubectl("c1", ["apply", "-f", "-"], { input: list([namespace, sel, gateway]) });
  await labKubectl("c2", ["apply", "-f", "-"], { input: list([namespace, echo]) });
  await labKubectl("c1", ["-n", ns, "wait", "pod/sel", "--for=condition=Ready", "--timeout=120s"]);
  await labKubectl("c2", ["-n", ns, "wait", "pod/echo", "--for=condition=Ready", "--timeout=120s"]);
  const joined = lab;
  await waitFor("the c1 → c2 tunnel", async () => ((await joined.connection("c1", "c2")) === "connected" ? true : undefined), { timeoutMs: 180_000, intervalMs: 1_000 });
}, 900_000);

afterAll(async () => {
  try {
    await labKubectl("c1", ["delete", "egressgateway", gatewayName, "--ignore-not-found", "--wait=true"]).catch(() => "");
    for (const cluster of ["c1", "c2"]) await labKubectl(cluster, ["delete", "namespace", ns, "--ignore-not-found", "--wait=true", "--timeout=120s"]).catch(() => "");
  } finally {
    await lab?.stop();
  }
}, 600_000);

describe("an EgressGateway on a joined clusterset (c1, c2)", () => {
  it("the selected pod reaches the outside host with the egress IP and a c2 pod with its own pod IP", async () => {
    await waitFor(`${gatewayName} Active`, async () => ((await labKubectl("c1", ["get", "egressgateway", gatewayName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}"])).trim() === "Active" ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
    expect(await seenBy(outsideUrl)).toBe(egressIp);
    const echoIp = await podIp("c2", "echo");
    expect(await seenBy(`http://${echoIp}:8080/`)).toBe(await podIp("c1", "sel"));
    // And the outside host still sees the egress IP afterwards (the resource did not step aside).
    expect(await seenBy(outsideUrl)).toBe(egressIp);
  });
});
