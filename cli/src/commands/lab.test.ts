import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../main.js";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (b: Buffer) => out.push(b));
  stderr.on("data", (b: Buffer) => err.push(b));
  const code = await main(args, { stdout, stderr, env: {} });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe("isthmus lab", () => {
  it("documents every verb in --help", async () => {
    const { code, stdout } = await run(["lab", "--help"]);
    expect(code).toBe(0);
    for (const verb of ["up", "down", "status", "logs", "kubeconfig", "exec"]) expect(stdout).toContain(`  ${verb}`);
  });

  it.each([
    [["lab"], "Missing verb"],
    [["lab", "launch"], 'Unknown verb "launch"'],
    [["lab", "up", "--clusters", "5"], "--clusters must be a whole number from 1 to 4"],
    [["lab", "up", "--nodes", "two"], "--nodes must be a whole number"],
    [["lab", "up", "--clusters", "3", "--nat", "c4"], '--nat: "c4" is not a cluster of this lab: clusters are c1, c2, c3'],
    [["lab", "up", "--overlap", "c1,c9"], '--overlap: "c9" is not a cluster of this lab'],
    [["lab", "up", "--overlap"], "argument missing"],
    [["lab", "up", "extra"], "takes no arguments"],
    [["lab", "up", "--cni", "calico"], '--cni: "calico" is not a pod network: one of isthmus, flannel, reference, reference-masq, none'],
    [["lab", "up", "--cni", "c3=flannel"], '--cni: "c3" is not a cluster of this lab: clusters are c1, c2'],
    [["lab", "up", "--bogus"], "Unknown option"],
    [["lab", "exec", "c1/n1", "ls"], "Usage: isthmus lab exec"],
    [["lab", "exec", "c1/n1", "--"], "Usage: isthmus lab exec"],
    [["lab", "kubeconfig"], "Usage: isthmus lab kubeconfig"],
    [["lab", "logs"], "Usage: isthmus lab logs <cluster>/<component>"],
    [["lab", "logs", "c1/etcd", "--lines", "ten"], "--lines must be a whole number"],
  ])("rejects %j as a usage error", async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("says how to start a lab when there is none", async () => {
    const { code, stderr } = await run(["lab", "kubeconfig", "c1", "--state-dir", "/nonexistent/isthmus-lab"]);
    expect(code).toBe(1);
    expect(stderr).toContain('run "isthmus lab up" first');
  });
});
