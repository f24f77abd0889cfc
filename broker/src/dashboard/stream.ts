import type { ServerResponse } from "node:http";
import { constants, createGzip, type Gzip } from "node:zlib";
import type { DashboardModel } from "./model.js";
import type { DashboardDelta } from "./web/types.js";

// Design notes: one server-sent-events stream per open page. It starts with what the page lacks
// (the deltas after the revision it has, when the model still holds them; else the snapshot), then
// sends the model's deltas coalesced over `coalesceMs` (100 ms: well inside the 1 s the page
// promises), and a ping every `pingMs` that also re-checks the session, so a revoked token
// signs its pages out. A page that cannot keep up (more than `maxBufferedBytes` unsent) is cut
// off; its EventSource reconnects and starts again from a fresh snapshot. gzip when accepted,
// flushed after every message.

/** Options of `openDashboardStream`. */
export interface DashboardStreamOptions {
  readonly model: DashboardModel;
  /** The revision the page already has (from GET /api/v1/snapshot or Last-Event-ID); undefined: start with a snapshot. */
  readonly since?: number | undefined;
  /** True when the client accepts gzip. */
  readonly gzip: boolean;
  /** Re-checks the session; resolves with a reason to sign out, or undefined while valid. */
  readonly recheck: () => Promise<string | undefined>;
  readonly coalesceMs?: number;
  readonly pingMs?: number;
  readonly maxBufferedBytes?: number;
}

/** An open stream; `close` ends it (idempotent). */
export interface DashboardStream {
  close(): void;
}

/** Starts a stream on `res` (headers not yet written); ends when the client goes away. */
export function openDashboardStream(res: ServerResponse, options: DashboardStreamOptions): DashboardStream {
  const coalesceMs = options.coalesceMs ?? 100;
  const pingMs = options.pingMs ?? 5_000;
  const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
    ...(options.gzip ? { "content-encoding": "gzip" } : {}),
  });
  let gz: Gzip | undefined;
  if (options.gzip) {
    gz = createGzip({ level: 6, flush: constants.Z_SYNC_FLUSH });
    gz.pipe(res);
  }
  let closed = false;
  let pending: DashboardDelta[] = [];
  let timer: NodeJS.Timeout | undefined;

  const raw = (text: string): void => {
    if (closed) return;
    if (gz === undefined) res.write(text);
    else {
      gz.write(text);
      gz.flush();
    }
    if (res.writableLength > maxBuffered) close();
  };
  const send = (event: string, data: unknown, id?: number): void => {
    raw(`event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
  };
  const merge = (batch: readonly DashboardDelta[], since: number): DashboardDelta => ({
    revision: batch[batch.length - 1]?.revision ?? since,
    changes: batch.flatMap((d) => d.changes),
    events: batch.flatMap((d) => d.events),
  });
  const flush = (): void => {
    timer = undefined;
    if (pending.length === 0) return;
    const delta = merge(pending, 0);
    pending = [];
    send("delta", delta, delta.revision);
  };
  const unsubscribe = options.model.onDelta((delta) => {
    pending.push(delta);
    timer ??= setTimeout(flush, coalesceMs);
  });
  const ping = setInterval(() => {
    options.recheck().then(
      (reason) => {
        if (reason === undefined) send("ping", { at: new Date().toISOString() });
        else {
          send("signedout", { message: reason });
          close();
        }
      },
      () => {
        close();
      },
    );
  }, pingMs);

  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(ping);
    if (timer !== undefined) clearTimeout(timer);
    if (gz === undefined) res.end();
    else gz.end();
  };
  res.on("close", close);
  raw("retry: 1000\n\n");
  const missed = options.since === undefined ? undefined : options.model.deltasSince(options.since);
  if (options.since !== undefined && missed !== undefined) {
    const delta = merge(missed, options.since);
    send("delta", delta, delta.revision);
  } else {
    const snapshot = options.model.snapshot();
    send("snapshot", snapshot, snapshot.revision);
  }
  return { close };
}
