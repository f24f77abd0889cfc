import { describe, expect, it } from "vitest";
import { buildArgv, checkImagePresent, parseImage } from "./images.js";

describe("parseImage", () => {
  it("maps component images to their entry in the checkout, whatever the tag", () => {
    expect(parseImage("isthmus/gateway:v0.1.0", "/repo")).toEqual({
      type: "component",
      name: "gateway",
      entry: "/repo/gateway/dist/main.js",
      leadingArgs: [],
    });
    expect(parseImage("isthmus/route-agent:dev", "/repo").entry).toBe("/repo/gateway/dist/route-agent.js");
    expect(parseImage("isthmus/node", "/repo").entry).toBe("/repo/cni/dist/node-main.js");
    expect(parseImage("isthmus/broker:latest", "/repo").entry).toBe("/repo/broker/dist/main.js");
    expect(parseImage("isthmus/dns:1", "/repo").entry).toBe("/repo/dns/dist/main.js");
  });

  it("maps lab images to the workload entry with the kind first", () => {
    const echo = parseImage("lab/echo:latest", "/repo");
    expect(echo).toEqual({ type: "workload", name: "echo", entry: "/repo/lab/dist/workloads/main.js", leadingArgs: ["echo"] });
    expect(parseImage("lab/iperf3", "/repo").name).toBe("iperf3");
  });

  it.each(["nginx:1.27", "isthmus/unknown:v1", "lab/busybox", "docker.io/isthmus/gateway:v1", ""])(
    "refuses %s and lists the valid images",
    (image) => {
      expect(() => parseImage(image, "/repo")).toThrow(
        expect.objectContaining({ code: "UnknownImage", message: expect.stringContaining("lab/echo") as string }) as Error,
      );
    },
  );
});

describe("native images", () => {
  const native = { "ghcr.io/flannel-io/flannel": "/cache/flannel-v0.28.10/flanneld" };

  it("maps a configured third-party repository, any tag or digest, to its binary", () => {
    for (const image of ["ghcr.io/flannel-io/flannel:v0.28.10", "ghcr.io/flannel-io/flannel", `ghcr.io/flannel-io/flannel@sha256:${"a".repeat(64)}`]) {
      expect(parseImage(image, "/repo", native)).toEqual({ type: "native", name: "ghcr.io/flannel-io/flannel", entry: "/cache/flannel-v0.28.10/flanneld", leadingArgs: [] });
    }
    expect(parseImage("isthmus/node", "/repo", native).type).toBe("component");
  });

  it("runs the binary itself in place of the image's command[0], without node", () => {
    const target = parseImage("ghcr.io/flannel-io/flannel:v0.28.10", "/repo", native);
    expect(buildArgv(target, { command: ["/opt/bin/flanneld"], args: ["--ip-masq", "--kube-subnet-mgr"] }, "/usr/bin/node")).toEqual([
      "/cache/flannel-v0.28.10/flanneld",
      "--ip-masq",
      "--kube-subnet-mgr",
    ]);
  });

  it("refuses an unmapped third-party image and lists the mapped ones", () => {
    expect(() => parseImage("ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1", "/repo", native)).toThrow(
      expect.objectContaining({ code: "UnknownImage", message: expect.stringContaining("ghcr.io/flannel-io/flannel") as string }) as Error,
    );
  });
});

describe("buildArgv", () => {
  it("replaces command[0] by the entry and appends the rest of command, then args", () => {
    const gw = parseImage("isthmus/gateway:v1", "/repo");
    expect(buildArgv(gw, { command: ["isthmus-gateway", "--v"], args: ["--cluster", "c1"] }, "/usr/bin/node")).toEqual([
      "/usr/bin/node",
      "/repo/gateway/dist/main.js",
      "--v",
      "--cluster",
      "c1",
    ]);
    expect(buildArgv(parseImage("lab/echo", "/repo"), { args: ["--port", "9000"] }, "/usr/bin/node")).toEqual([
      "/usr/bin/node",
      "/repo/lab/dist/workloads/main.js",
      "echo",
      "--port",
      "9000",
    ]);
  });
});

describe("checkImagePresent", () => {
  it("says how to fix a missing entry", async () => {
    await expect(checkImagePresent(parseImage("isthmus/gateway:v1", "/nonexistent-repo"))).rejects.toMatchObject({
      code: "ImageNotPresent",
      message: "/nonexistent-repo/gateway/dist/main.js does not exist, run npm run build",
    });
  });
});
