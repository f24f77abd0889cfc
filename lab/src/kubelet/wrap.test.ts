import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { clusterResolvConf, mountScript, usesClusterDns, wrapArgv } from "./wrap.js";

describe("wrapArgv", () => {
  it("enters the pod netns, unshares the mount namespace and passes paths as parameters", () => {
    const argv = wrapArgv(["node", "/repo/lab/dist/workloads/main.js", "echo"], {
      netns: "isthmus-pod-1234abcd",
      mounts: [{ source: "/state/pods/demo_echo/resolv.conf", target: "/etc/resolv.conf", readOnly: true }],
    });
    expect(argv.slice(0, 10)).toEqual([
      "nsenter",
      "--net=/run/netns/isthmus-pod-1234abcd",
      "--",
      "unshare",
      "--mount",
      "--propagation",
      "slave",
      "--",
      "sh",
      "-c",
    ]);
    expect(argv[10]).toBe(mountScript);
    expect(argv.slice(11)).toEqual([
      "isthmus-pod-init",
      "/state/pods/demo_echo/resolv.conf",
      "/etc/resolv.conf",
      "ro",
      "--",
      "node",
      "/repo/lab/dist/workloads/main.js",
      "echo",
    ]);
  });

  it("has no netns part for hostNetwork pods", () => {
    expect(wrapArgv(["node", "x.js"], { mounts: [] })[0]).toBe("unshare");
  });

  it("the script execs the program with arguments untouched (no mounts needed)", () => {
    const out = execFileSync("sh", ["-c", mountScript, "isthmus-pod-init", "--", "printf", "%s|", "a b", "$(echo no)", "'q'"], { encoding: "utf8" });
    expect(out).toBe("a b|$(echo no)|'q'|");
  });
});

describe("resolv.conf", () => {
  it("points at the cluster DNS with the pod's search path", () => {
    expect(clusterResolvConf({ namespace: "demo", clusterDns: "10.101.0.10", clusterDomain: "cluster.local" })).toBe(
      "nameserver 10.101.0.10\nsearch demo.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n",
    );
  });

  it("follows dnsPolicy like the kubelet", () => {
    expect(usesClusterDns({})).toBe(true);
    expect(usesClusterDns({ dnsPolicy: "Default" })).toBe(false);
    expect(usesClusterDns({ hostNetwork: true })).toBe(false);
    expect(usesClusterDns({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" })).toBe(true);
  });
});

