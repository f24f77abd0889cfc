import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCa, issueCertificate, type CertificateAndKey } from "@isthmus/core/pki";
import { createSilentLogger } from "@isthmus/core/runtime";
import { createKubeletServer, logPathOf, tailLines } from "./server.js";

describe("logPathOf and tailLines", () => {
  it("maps /containerLogs paths into the state dir and refuses anything else", () => {
    expect(logPathOf("/s", "/containerLogs/demo/echo-1/echo")).toBe("/s/pods/demo_echo-1/echo.log");
    expect(logPathOf("/s", "/containerLogs/demo/../x/echo")).toBeUndefined();
    expect(logPathOf("/s", "/containerLogs/demo/echo-1")).toBeUndefined();
    expect(logPathOf("/s", "/exec/demo/echo-1/echo")).toBeUndefined();
  });

  it("keeps the last n lines", () => {
    expect(tailLines("a\nb\nc\n", 2)).toBe("b\nc\n");
    expect(tailLines("a\nb\nc", 1)).toBe("c");
    expect(tailLines("a\n", undefined)).toBe("a\n");
    expect(tailLines("a\nb\n", 0)).toBe("");
  });
});

describe("kubelet server", () => {
  let dir: string;
  let client: CertificateAndKey;
  let stranger: CertificateAndKey;
  let caPem: string;
  const port = 20000 + (process.pid % 20000);
  const server = { stop: (): Promise<void> => Promise.resolve() };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "isthmus-kubelet-server-"));
    await mkdir(join(dir, "pods", "demo_echo-1"), { recursive: true });
    await writeFile(join(dir, "pods", "demo_echo-1", "echo.log"), "one\ntwo\nthree\n");
    const ca = await createCa({ commonName: "cluster-ca", validityDays: 1 });
    caPem = ca.certPem;
    client = await issueCertificate({ ca, commonName: "kube-apiserver-kubelet-client", usages: "client", validityDays: 1 });
    const other = await createCa({ commonName: "other-ca", validityDays: 1 });
    stranger = await issueCertificate({ ca: other, commonName: "stranger", usages: "client", validityDays: 1 });
    const s = createKubeletServer({ address: "127.0.0.1", port, stateDir: dir, clientCaPem: caPem, logger: createSilentLogger(), followPollMs: 20 });
    await s.start();
    server.stop = () => s.stop();
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (path: string, cert: CertificateAndKey | undefined, onData?: (text: string) => boolean): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, path, rejectUnauthorized: false, ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }) },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => {
            body += d.toString("utf8");
            if (onData?.(body) === true) {
              req.destroy();
              resolve({ status: res.statusCode ?? 0, body });
            }
          });
          res.on("end", () => { resolve({ status: res.statusCode ?? 0, body }); });
        },
      );
      req.on("error", reject);
      req.end();
    });

  it("serves a container log, with tailLines", async () => {
    expect(await get("/containerLogs/demo/echo-1/echo", client)).toEqual({ status: 200, body: "one\ntwo\nthree\n" });
    expect((await get("/containerLogs/demo/echo-1/echo?tailLines=1", client)).body).toBe("three\n");
    expect((await get("/containerLogs/demo/nope/echo", client)).status).toBe(404);
  });

  it("follows a growing log", async () => {
    const followed = get("/containerLogs/demo/echo-1/echo?follow=true&tailLines=0", client, (body) => body.includes("four"));
    await new Promise((r) => setTimeout(r, 100));
    await appendFile(join(dir, "pods", "demo_echo-1", "echo.log"), "four\n");
    expect((await followed).body).toContain("four\n");
  });

  it("refuses clients without a certificate of the cluster CA", async () => {
    await expect(get("/healthz", undefined)).rejects.toThrow();
    await expect(get("/healthz", stranger)).rejects.toThrow();
    expect(await get("/healthz", client)).toEqual({ status: 200, body: "ok" });
  });
});
