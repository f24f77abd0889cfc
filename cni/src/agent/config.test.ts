import { parseCidr } from "@isthmus/core/net";
import { describe, expect, it } from "vitest";
import { parseAgentConfig } from "./config.js";
import { launcherScript } from "./install.js";
import { natScript } from "./nat.js";

describe("parseAgentConfig", () => {
  it("takes NODE_NAME and defaults", () => {
    expect(parseAgentConfig([], { NODE_NAME: "c1-n1" })).toMatchObject({ nodeName: "c1-n1", cniBinDir: "/opt/cni/bin", socketPath: "/run/isthmus/cni.sock", uninstall: false });
  });

  it("parses flags, repeated CIDRs and --uninstall", () => {
    const config = parseAgentConfig(["--node-name", "n2", "--cluster-cidr=10.96.0.0/12", "--cluster-cidr", "10.0.0.0/16", "--uninstall"], {});
    expect(config).toMatchObject({ nodeName: "n2", clusterCidrs: ["10.96.0.0/12", "10.0.0.0/16"], uninstall: true });
  });

  it("takes --vxlan-mode, default always", () => {
    expect(parseAgentConfig([], { NODE_NAME: "n" }).vxlanMode).toBe("always");
    expect(parseAgentConfig(["--vxlan-mode", "cross-subnet"], { NODE_NAME: "n" }).vxlanMode).toBe("cross-subnet");
    expect(() => parseAgentConfig(["--vxlan-mode=never"], { NODE_NAME: "n" })).toThrow(/vxlanMode: must be one of always, cross-subnet/);
  });

  it("takes --metrics-port (0 = off), default 9473", () => {
    expect(parseAgentConfig([], { NODE_NAME: "n" })).toMatchObject({ metricsPort: 9473, metricsHost: "0.0.0.0" });
    expect(parseAgentConfig(["--metrics-port", "0", "--metrics-host=127.0.0.1"], { NODE_NAME: "n" })).toMatchObject({ metricsPort: 0, metricsHost: "127.0.0.1" });
    expect(() => parseAgentConfig(["--metrics-port", "70000"], { NODE_NAME: "n" })).toThrow(/metricsPort/);
  });

  it("names what is wrong", () => {
    expect(() => parseAgentConfig([], {})).toThrow(/nodeName/);
    expect(() => parseAgentConfig(["--frob"], { NODE_NAME: "n" })).toThrow(/Unknown argument "--frob"/);
    expect(() => parseAgentConfig(["--cluster-cidr", "10.0.0.1/8"], { NODE_NAME: "n" })).toThrow(/must be a CIDR/);
    expect(() => parseAgentConfig(["--socket"], { NODE_NAME: "n" })).toThrow(/--socket needs a value/);
  });
});

describe("natScript", () => {
  it("masquerades only pod traffic leaving the cluster and never flushes remote_cidrs", () => {
    const script = natScript(parseCidr("10.1.1.0/24"), [parseCidr("10.1.1.0/24"), parseCidr("10.1.2.0/24")]);
    expect(script).toContain("add element ip isthmus-node cluster_cidrs { 10.1.1.0/24, 10.1.2.0/24 }");
    expect(script).toContain("ip saddr 10.1.1.0/24 ip daddr != @cluster_cidrs ip daddr != @remote_cidrs masquerade");
    expect(script).not.toContain("flush set ip isthmus-node remote_cidrs");
  });

  it("takes the overlay's VXLAN packets (UDP 8472) out of connection tracking both ways", () => {
    const script = natScript(parseCidr("10.1.1.0/24"), []);
    expect(script).toContain("add rule ip isthmus-node raw_prerouting udp dport 8472 notrack");
    expect(script).toContain("add rule ip isthmus-node raw_output udp dport 8472 notrack");
    expect(script).toContain("flush chain ip isthmus-node raw_output");
  });

  it("clamps the MSS of TCP SYNs forwarded into isthmus.1 to its MTU", () => {
    const script = natScript(parseCidr("10.1.1.0/24"), []);
    expect(script).toContain("add chain ip isthmus-node mss_forward { type filter hook forward priority mangle; policy accept; }");
    expect(script).toContain("flush chain ip isthmus-node mss_forward");
    expect(script).toContain('add rule ip isthmus-node mss_forward oifname "isthmus.1" tcp flags syn tcp option maxseg size set rt mtu');
  });
});

describe("launcherScript", () => {
  it("quotes paths and falls back to the standalone plugin", () => {
    const script = launcherScript({ cniBinDir: "/opt/cni/bin", cniConfDir: "/etc/cni/net.d", socketPath: "/run/it's/cni.sock", dataDir: "/var/lib/cni/isthmus", pluginMain: "/repo/cni/dist/plugin-main.js", nodeBinary: "/usr/bin/node" });
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);
    expect(script).toContain(`sock='/run/it'\\''s/cni.sock'`);
    expect(script).toContain("exec '/usr/bin/node' '/repo/cni/dist/plugin-main.js'");
  });
});
