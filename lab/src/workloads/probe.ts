import { createSocket } from "node:dgram";
import { request } from "node:http";
import { isIP } from "node:net";
import { IsthmusError } from "@isthmus/core/errors";

/** Why a probe sub-command failed. */
export type ProbeErrorCode = "Timeout" | "Failed" | "BadStatus" | "InvalidTarget";

/** Errors of the probe sub-commands (`http-get`, `udp-send`). */
export class ProbeError extends IsthmusError<ProbeErrorCode> {}

/** GETs `url` and resolves with the body; rejects on a non-2xx status, an error or after `timeoutMs`. */
export function httpGet(url: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = request(url, { method: "GET", signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (err) => { reject(new ProbeError("Failed", `GET ${url} failed: ${err.message}`, { cause: err })); });
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(body);
        else reject(new ProbeError("BadStatus", `GET ${url} answered ${status}: ${body.slice(0, 200)}`));
      });
    });
    req.on("error", (err) => {
      const code = err.name === "AbortError" ? "Timeout" : "Failed";
      reject(new ProbeError(code, `GET ${url} ${code === "Timeout" ? `timed out after ${timeoutMs} ms` : `failed: ${err.message}`}`, { cause: err }));
    });
    req.end();
  });
}

/** Sends `payload` to `host:port` over UDP and resolves with the first answer; rejects after `timeoutMs`. */
export function udpSend(target: string, payload: string, timeoutMs: number): Promise<string> {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  const host = match?.[1];
  const port = Number(match?.[2]);
  if (host === undefined || isIP(host) === 0 || !(port > 0 && port < 65536)) {
    return Promise.reject(new ProbeError("InvalidTarget", `UDP target "${target}" is not <ip>:<port>`));
  }
  const socket = createSocket(isIP(host) === 6 ? "udp6" : "udp4");
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new ProbeError("Timeout", `No UDP answer from ${target} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("message", (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg.toString("utf8"));
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      socket.close();
      reject(new ProbeError("Failed", `UDP to ${target} failed: ${err.message}`, { cause: err }));
    });
    socket.send(payload, port, host);
  });
}
