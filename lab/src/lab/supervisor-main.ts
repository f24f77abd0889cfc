/**
 * Entry point of a lab's supervisor (the only file of it that reads argv, handles signals or
 * exits):
 *
 *   node lab/dist/lab/supervisor-main.js --state-dir /var/lib/isthmus-lab/
 *
 * `lab up` starts it detached before any other lab process (supervisor-client.ts). It serves
 * HTTP on `<state>/supervisor.sock`: `POST /processes` (a SupervisedSpec as JSON) starts and
 * supervises a process and answers `{"pid": N}`; `GET /processes` answers the record. SIGTERM
 * or SIGINT stops every child in reverse start order, then the supervisor exits. ADR 0330.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { rm } from "node:fs/promises";
import { errorMessage } from "@isthmus/core/errors";
import { createLogger, parseLongFlags, runMain, untilStopSignal } from "@isthmus/core/runtime";
import { LabError } from "./errors.js";
import { supervisorSocket } from "./paths.js";
import { createSupervisor, type Supervisor } from "./supervisor.js";
import { parseSupervisedSpec } from "./supervision.js";

const usage = "usage: supervisor-main.js --state-dir DIR";
const maxBodyBytes = 1 << 20;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new LabError("InvalidOptions", `Request body over ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function handle(supervisor: Supervisor, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url === "/processes" && req.method === "GET") {
    reply(res, 200, { supervisorPid: process.pid, components: supervisor.components() });
    return;
  }
  if (req.url === "/processes" && req.method === "POST") {
    try {
      const pid = await supervisor.start(parseSupervisedSpec(await readBody(req)));
      reply(res, 200, { pid });
    } catch (err) {
      const code = err instanceof LabError ? err.code : "ComponentFailed";
      reply(res, code === "Conflict" ? 409 : code === "InvalidOptions" ? 400 : 500, { code, message: errorMessage(err) });
    }
    return;
  }
  reply(res, 404, { code: "NotFound", message: `No route ${req.method ?? "?"} ${req.url ?? "?"}: use GET or POST /processes` });
}

async function main(): Promise<number> {
  const flags = parseLongFlags(process.argv.slice(2), usage);
  const stateDir = flags.stateDir;
  if (typeof stateDir !== "string") throw new Error(usage);
  const logger = createLogger({ name: "isthmus-lab-supervisor" });
  const supervisor = createSupervisor({ stateDir, logger });
  const socket = supervisorSocket({ stateDir });
  await rm(socket, { force: true });
  const server = createServer((req, res) => {
    handle(supervisor, req, res).catch((err: unknown) => {
      logger.warn({ err }, "control request failed");
      reply(res, 500, { code: "ComponentFailed", message: errorMessage(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, resolve);
  });
  logger.info({ socket }, "lab supervisor running");
  const signal = await untilStopSignal();
  logger.info({ signal }, "stopping every lab process");
  server.close();
  await supervisor.stop();
  await rm(socket, { force: true });
  return 0;
}

runMain("isthmus-lab-supervisor", main);
