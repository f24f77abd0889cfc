import { describe, expect, it } from "vitest";
import { type CniConfigReport, formatCniConfigReport, parseCniConfigReport } from "./cni-config.js";

describe("CniConfigReport text form", () => {
  it("formats each kind and parses it back", () => {
    const reports: [CniConfigReport, string][] = [
      [{ kind: "config", file: "10-flannel.conflist", network: "cbr0", plugins: ["flannel", "portmap"] }, "10-flannel.conflist: cbr0 (flannel, portmap)"],
      [{ kind: "config", file: "10-isthmus-lab.conflist", network: "isthmus-lab", plugins: ["bridge"] }, "10-isthmus-lab.conflist: isthmus-lab (bridge)"],
      [{ kind: "none", dir: "/etc/cni/net.d" }, "no CNI config in /etc/cni/net.d"],
      [{ kind: "unreadable", file: "10-x.conf", reason: "not JSON (Unexpected token 'g')" }, "10-x.conf: unreadable: not JSON (Unexpected token 'g')"],
    ];
    for (const [report, text] of reports) {
      expect(formatCniConfigReport(report)).toBe(text);
      expect(parseCniConfigReport(text)).toEqual(report);
    }
  });

  it("keeps an unreadable reason on one short line", () => {
    const text = formatCniConfigReport({ kind: "unreadable", file: "10-x.conf", reason: `line one\n  line two ${"x".repeat(300)}` });
    expect(text).toMatch(/^10-x\.conf: unreadable: line one line two x+…$/);
    expect(text.length).toBeLessThan(230);
  });

  it("returns undefined for a value it did not write", () => {
    for (const text of ["", "flannel", "10-x.conflist: net", "10-x.conflist: net (bad type!)"]) expect(parseCniConfigReport(text)).toBeUndefined();
  });
});
