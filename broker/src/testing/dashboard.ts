import { request } from "node:https";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { adminFiles } from "../broker-pki.js";
import type { TestBroker } from "./harness.js";

/** A dashboard reply: status, headers and parsed JSON body (undefined when not JSON). */
export interface DashboardReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/**
 * Calls the test broker's dashboard API over HTTPS (trusting its CA), with a session cookie,
 * or as admin with the admin client certificate (`admin: true`).
 */
export async function dashboardCall(
  tb: TestBroker,
  options: { readonly path: string; readonly method?: "GET" | "POST"; readonly body?: unknown; readonly cookie?: string; readonly admin?: boolean; readonly headers?: Record<string, string> },
): Promise<DashboardReply> {
  const cert = options.admin === true ? { cert: await readFile(join(tb.dir, adminFiles.cert)), key: await readFile(join(tb.dir, adminFiles.key)) } : {};
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: tb.broker.dashboardPort,
        servername: "localhost",
        path: options.path,
        method: options.method ?? "GET",
        ca: tb.caPem,
        ...cert,
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
          ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = JSON.parse(text) as unknown;
          } catch {
            body = undefined; // not JSON (a page or an asset): callers look at the status
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Mints a dashboard token with the admin certificate, as `isthmus token create --viewer` does. */
export async function mintDashboardToken(tb: TestBroker, scope: "viewer" | "admin", ttlSeconds = 600): Promise<{ readonly token: string; readonly id: string }> {
  const reply = await dashboardCall(tb, { path: "/api/v1/tokens", method: "POST", admin: true, body: { scope, ttlSeconds, description: `test ${scope}` } });
  if (reply.status !== 201) throw new Error(`minting a ${scope} token failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  const body = reply.body as { token: string; info: { id: string } };
  return { token: body.token, id: body.info.id };
}

/** Signs in with `token`; returns the `name=value` cookie to send back. */
export async function signIn(tb: TestBroker, token: string): Promise<string> {
  const reply = await dashboardCall(tb, { path: "/api/v1/login", method: "POST", body: { token } });
  const set = reply.headers["set-cookie"]?.[0];
  if (reply.status !== 200 || set === undefined) throw new Error(`sign-in failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return set.split(";")[0] ?? "";
}
