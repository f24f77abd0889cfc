/**
 * EgressGateways on the shared lab (c1; issue #17, ADR 0407): the real API server takes the CRD
 * and the resources, every isthmus-node plans them, the active node writes the status, the built
 * CLI's `isthmus show egress` reads it back, and a deleted resource leaves nothing on the node.
 * The resources select no pod (label egress17=none), so no other suite's traffic moves. The data
 * path through the lab's outside host is e2e/src/suites/egress/.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labKubeconfig, repoRoot, requireLab } from "@isthmus/lab";
import { labExecOutput, labKubectl, runCommand, waitFor } from "@isthmus/lab/testing";

const cluster = "c1";
const names = ["e2e-egress-active", "e2e-egress-no-node", "e2e-egress-bad-ip"] as const;
const nobody = { matchLabels: { egress17: "none" } };
const resources = [
  { name: names[0], spec: { podSelector: nobody, nodeSelector: { matchLabels: { "kubernetes.io/hostname": "c1-n1" } }, egressIP: "198.18.1.11" } },
  { name: names[1], spec: { podSelector: nobody, nodeSelector: nobody } },
  { name: names[2], spec: { podSelector: nobody, nodeSelector: {}, egressIP: "192.0.2.9/24" } },
].map((r) => ({ apiVersion: "isthmus.io/v1alpha1", kind: "EgressGateway", metadata: { name: r.name }, spec: r.spec }));

interface Row { readonly name: string; readonly ready: string; readonly activeNode?: string; readonly egressIp?: string; readonly pods?: number; readonly message?: string }

let kubeconfig = "";

async function show(): Promise<Row[]> {
  const { code, stdout, stderr } = await runCommand([process.execPath, join(repoRoot, "cli/bin/isthmus.js"), "show", "egress", "--kubeconfig", kubeconfig, "-o", "json"], { timeoutMs: 60_000, allowFailure: true });
  if (code !== 0) throw new Error(`isthmus show egress exited ${String(code)}: ${stderr}`);
  return (JSON.parse(stdout) as Row[]).filter((r) => (names as readonly string[]).includes(r.name));
}

async function deleteResources(): Promise<void> {
  await labKubectl(cluster, ["delete", "egressgateways", ...names, "--ignore-not-found", "--wait=true"]);
}

describe("EgressGateway on the lab (c1)", () => {
  beforeAll(async () => {
    const { plan } = await requireLab();
    expect(plan.podNetwork).toBe("isthmus");
    kubeconfig = await labKubeconfig(cluster);
    await deleteResources();
  });

  afterAll(async () => {
    await deleteResources();
  });

  it("the active node and the first Ready node write every status, and show egress says why a resource cannot serve", async () => {
    await labKubectl(cluster, ["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: resources }) });
    const rows = await waitFor("three statuses", async () => {
      const r = await show();
      return r.length === 3 && r.every((x) => x.ready !== "Pending") ? r : undefined;
    }, { timeoutMs: 30_000 });
    expect(rows.map((r) => [r.name, r.ready, r.activeNode, r.egressIp, r.pods])).toEqual([
      ["e2e-egress-active", "True/Active", "c1-n1", "198.18.1.11", 0],
      ["e2e-egress-bad-ip", "False/EgressIPNotOnAnyNode", undefined, undefined, 0],
      ["e2e-egress-no-node", "False/NoEligibleNode", undefined, undefined, 0],
    ]);
    expect(rows[1]?.message).toContain("192.0.2.9/24");
    await waitFor("the egress table on c1-n1", async () => ((await labExecOutput(`${cluster}/c1-n1`, ["nft", "list", "tables"])).includes("ip isthmus-egress") ? true : undefined), { timeoutMs: 30_000 });
  });

  it("deleting the resources leaves no egress table, rule or route on any node", async () => {
    await deleteResources();
    for (const node of ["c1-n1", "c1-n2"]) {
      await waitFor(`no egress traces on ${node}`, async () => {
        const out = await labExecOutput(`${cluster}/${node}`, ["sh", "-c", "nft list tables; ip rule show; ip route show table all"]);
        return out.includes("isthmus-egress") || /^104[01]:/m.test(out) || /table 7[12]\d\d/.test(out) ? undefined : true;
      }, { timeoutMs: 30_000 });
    }
  });
});
