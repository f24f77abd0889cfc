import type { V1Pod } from "@kubernetes/client-node";
import type { CniNodeAnswer } from "@isthmus/core/model";
import { describe, expect, it } from "vitest";
import { readAnswer, routeAgentTargets, withUnanswered } from "./diagnose-cni-nodes.js";

const pod = (name: string, node: string, extra: { phase?: string; deleting?: boolean; port?: number } = {}): V1Pod => ({
  metadata: { name, ...(extra.deleting === true ? { deletionTimestamp: new Date() } : {}) },
  spec: { nodeName: node, containers: [{ name: "route-agent", ...(extra.port === undefined ? {} : { ports: [{ name: "metrics", containerPort: extra.port }] }) }] },
  status: { phase: extra.phase ?? "Running" },
});

const answer = (node: string): CniNodeAnswer => ({
  node, links: [{ name: "eth0", kind: "veth", mtu: 1500 }], rpFilter: { all: 0 }, exemption: { daddr: true, saddr: true },
  exempted: [], masquerades: [], mssClamped: [], underlays: ["eth0"],
});

describe("routeAgentTargets", () => {
  it("asks each node's running route agent through the pod proxy on its metrics port, and names the nodes without one", () => {
    const pods = [
      pod("isthmus-route-agent-old", "c2-n1", { deleting: true }),
      pod("isthmus-route-agent-a", "c2-n1", { port: 9572 }),
      pod("isthmus-route-agent-b", "c2-n2"),
      pod("isthmus-route-agent-c", "c2-n3", { phase: "Pending" }),
    ];
    expect(routeAgentTargets(["c2-n1", "c2-n2", "c2-n3", "c2-n4"], pods)).toEqual([
      { node: "c2-n1", path: "/api/v1/namespaces/isthmus-system/pods/isthmus-route-agent-a:9572/proxy/cni-state" },
      { node: "c2-n2", path: "/api/v1/namespaces/isthmus-system/pods/isthmus-route-agent-b:9472/proxy/cni-state" },
      { node: "c2-n3", reason: "no running route agent pod" },
      { node: "c2-n4", reason: "no running route agent pod" },
    ]);
  });
});

describe("readAnswer", () => {
  it("takes a valid answer for the node asked", () => {
    expect(readAnswer("c2-n1", 200, JSON.parse(JSON.stringify(answer("c2-n1"))))).toEqual(answer("c2-n1"));
  });

  it("names why an answer is not one: the route agent's 500, the proxy's Status, an invalid or another node's answer", () => {
    expect(readAnswer("c2-n1", 500, "Command \"iptables -t nat -S\" not found\n")).toEqual({ node: "c2-n1", reason: "HTTP 500: Command \"iptables -t nat -S\" not found" });
    expect(readAnswer("c2-n1", 503, { kind: "Status", message: "error trying to reach service: dial tcp 198.18.2.11:9472: connect: connection refused" })).toEqual({ node: "c2-n1", reason: "HTTP 503: error trying to reach service: dial tcp 198.18.2.11:9472: connect: connection refused" });
    expect(readAnswer("c2-n1", 404, "")).toEqual({ node: "c2-n1", reason: "HTTP 404" });
    expect(readAnswer("c2-n1", 200, { node: "c2-n1" })).toMatchObject({ node: "c2-n1", reason: expect.stringContaining("Invalid CNI node state") as string });
    expect(readAnswer("c2-n1", 200, answer("c2-n2"))).toEqual({ node: "c2-n1", reason: "the answer is for node c2-n2" });
  });
});

describe("withUnanswered", () => {
  const ok = { result: "ok" as const, detail: "fine", remedy: "" };

  it("is the judge's verdict when every node answered", () => {
    expect(withUnanswered({ answered: [answer("n1")], unanswered: [] }, () => ok)).toBe(ok);
  });

  it("judges the nodes that answered and warns naming the others, keeping a failure", () => {
    const judged: string[] = [];
    const reads = { answered: [answer("n1")], unanswered: [{ node: "n2", reason: "no running route agent pod" }] };
    const verdict = withUnanswered(reads, (nodes) => {
      judged.push(...nodes.map((n) => n.node));
      return ok;
    });
    expect(judged).toEqual(["n1"]);
    expect(verdict).toMatchObject({ result: "warn", detail: "fine; no answer from n2 (no running route agent pod)", remedy: expect.stringContaining("check the route agent on n2") as string });
    expect(withUnanswered(reads, () => ({ result: "fail", detail: "bad", remedy: "fix" }))).toEqual({ result: "fail", detail: "bad; no answer from n2 (no running route agent pod)", remedy: "fix" });
  });

  it("warns without judging when no node answered", () => {
    expect(withUnanswered({ answered: [], unanswered: [{ node: "n1", reason: "HTTP 503" }] }, () => ok)).toMatchObject({ result: "warn", detail: "no route agent answered: n1 (HTTP 503)" });
  });
});
