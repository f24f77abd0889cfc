import { request } from "node:https";
import type { Broker } from "@isthmus/broker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startLocalBroker, type LocalBroker } from "../testing/local-broker.js";

// `isthmus token create --viewer|--dashboard-admin` against a real broker on loopback: the
// token it prints signs in to the dashboard with the role asked for.

let local: LocalBroker;
let broker: Broker;
let adminFile: string;
let dashboard: string;
beforeAll(async () => {
  local = await startLocalBroker();
  ({ broker, adminFile } = local);
  dashboard = `https://127.0.0.1:${broker.dashboardPort ?? 0}`;
});
afterAll(async () => {
  await local.stop();
});

const run = runCli;

/** Signs in to the dashboard with `token`; returns the HTTP status and the session's role. */
function signIn(token: string): Promise<{ status: number; role?: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${dashboard}/api/v1/login`, { method: "POST", ca: broker.pki.ca.certPem, servername: "localhost", headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, role: (JSON.parse(text) as { role?: string }).role });
      });
    });
    req.on("error", reject);
    req.end(JSON.stringify({ token }));
  });
}

describe("isthmus token create --viewer / --dashboard-admin", () => {
  it("prints a token that signs in to the dashboard with the role asked for", async () => {
    const viewer = await run(["token", "create", "--viewer", "--ttl", "1h", "--broker-admin", adminFile, "--dashboard", dashboard]);
    expect(viewer.code).toBe(0);
    expect(viewer.stdout).toMatch(/^isthmus_[0-9a-f]{16}\.[\w-]{43}\n$/);
    expect(viewer.stderr).toMatch(/dashboard viewer token id [0-9a-f]{16}, expires /);
    expect(await signIn(viewer.stdout.trim())).toEqual({ status: 200, role: "viewer" });
    const admin = await run(["token", "create", "--dashboard-admin", "--broker-admin", adminFile, "--dashboard", dashboard]);
    expect(admin.code).toBe(0);
    expect(await signIn(admin.stdout.trim())).toEqual({ status: 200, role: "admin" });
    const joinToken = await run(["token", "create", "--broker-admin", adminFile]);
    expect(joinToken.code).toBe(0);
    expect((await signIn(joinToken.stdout.trim())).status).toBe(401);
  });

  it("refuses join-token options, both roles at once, a TTL over 30 days and a dashboard that is not there", async () => {
    expect(await run(["token", "create", "--viewer", "--uses", "3", "--broker-admin", adminFile])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--uses is for join tokens/) as unknown });
    expect(await run(["token", "create", "--viewer", "--dashboard-admin", "--broker-admin", adminFile])).toMatchObject({ code: 2, stderr: expect.stringMatching(/one of --viewer and --dashboard-admin/) as unknown });
    expect(await run(["token", "create", "--dashboard", dashboard, "--broker-admin", adminFile])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--dashboard goes with --viewer/) as unknown });
    const long = await run(["token", "create", "--viewer", "--ttl", "60d", "--broker-admin", adminFile, "--dashboard", dashboard]);
    expect(long).toMatchObject({ code: 1, stderr: expect.stringMatching(/refused the dashboard token \(400 InvalidArgument: .*ttlSeconds/) as unknown });
    const away = await run(["token", "create", "--viewer", "--broker-admin", adminFile, "--dashboard", "https://127.0.0.1:1"]);
    expect(away).toMatchObject({ code: 1, stderr: expect.stringMatching(/Cannot reach the broker's dashboard at https:\/\/127\.0\.0\.1:1/) as unknown });
  });
});
