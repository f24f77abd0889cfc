import { describe, expect, it } from "vitest";
import { judgeCniConfig } from "./diagnose-cni-config.js";

const key = "isthmus.io/cni-config";
const reference = "10-isthmus-lab.conflist: isthmus-lab (bridge)";
const flannel = "10-flannel.conflist: cbr0 (flannel, portmap)";
const node = (name: string, value?: string): { node: string; annotations: Record<string, string> } => ({ node: name, annotations: value === undefined ? {} : { [key]: value } });

describe("the cni row of diagnose", () => {
  it("names the nodes' CNI config and the CNI when every node reports the same", () => {
    expect(judgeCniConfig([node("c3-n1", reference), node("c3-n2", reference)], [])).toEqual({
      result: "ok", detail: `${reference} on all 2 nodes; CNI bridge (reference plugins), tested with Isthmus`, remedy: "",
    });
    expect(judgeCniConfig([node("c2-n1", flannel), node("c2-n2", flannel)], [{ namespace: "kube-flannel", name: "kube-flannel-ds" }]).detail).toBe(`${flannel} on all 2 nodes; CNI flannel, tested with Isthmus`);
  });

  it("warns when nodes disagree, naming which node has which", () => {
    const verdict = judgeCniConfig([node("n1", reference), node("n2", flannel), node("n3", reference)], []);
    expect(verdict.result).toBe("warn");
    expect(verdict.detail).toBe(`nodes disagree: ${reference} on n1, n3; ${flannel} on n2; CNI bridge (reference plugins), tested with Isthmus`);
    expect(verdict.remedy).toContain("lexically first");
  });

  it("warns about a node without a report (no route agent there)", () => {
    const verdict = judgeCniConfig([node("n1", reference), node("n2")], []);
    expect(verdict).toMatchObject({ result: "warn", detail: `${reference} on n1; no report from n2; CNI bridge (reference plugins), tested with Isthmus` });
    expect(verdict.remedy).toContain("route agent on n2");
  });

  it("warns about a node with no or an unreadable config, naming the nodes to fix", () => {
    const verdict = judgeCniConfig([node("n1", "no CNI config in /etc/cni/net.d"), node("n2", "10-x.conf: unreadable: not JSON")], []);
    expect(verdict.result).toBe("warn");
    expect(verdict.detail).toContain("no CNI config in /etc/cni/net.d on n1");
    expect(verdict.remedy).toMatch(/^give n2, n1 a valid CNI config/);
  });
});
