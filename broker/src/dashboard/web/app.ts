// The dashboard page: sign-in, one server-sent-events stream (snapshot, then deltas), five
// views rendered from the records with the same derivations the JSON API serves. Rendering is
// coalesced to one animation frame; only the visible view is drawn. Status is always text or
// shape as well as colour; tabs, clusters and buttons are reachable by keyboard.
import { $, h, input } from "./dom.js";
import { renderDetail, renderEvents, renderMatrix, renderServices, renderTokens, renderTopology, type PageState } from "./render.js";
import type { DashboardDelta, DashboardErrorBody, DashboardRecords, DashboardSession, DashboardSnapshot, TokenInfo } from "./types.js";
import { applyChange } from "./views.js";

type View = "topology" | "matrix" | "services" | "tokens" | "events";
const views: readonly View[] = ["topology", "matrix", "services", "tokens", "events"];

const records: { [K in keyof DashboardRecords]: Map<string, DashboardRecords[K] extends ReadonlyMap<string, infer V> ? V : never> } = {
  cluster: new Map(),
  endpoint: new Map(),
  export: new Map(),
  connection: new Map(),
};
const state: PageState = { records, events: [], selected: undefined, tokens: undefined };
let revision = 0;
let session: DashboardSession | undefined;
let current: View = "topology";
let source: EventSource | undefined;
let lastMessage = 0;
let frame = 0;

async function api<T>(path: string, init?: { method: "POST"; body: unknown }): Promise<T> {
  const res = await fetch(path, {
    method: init?.method ?? "GET",
    credentials: "same-origin",
    ...(init === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(init.body) }),
  });
  const body = (await res.json()) as T | DashboardErrorBody;
  if (!res.ok) {
    const err = (body as DashboardErrorBody).error;
    throw Object.assign(new Error(err.message), { code: err.code, status: res.status });
  }
  return body as T;
}

// ---- sign-in and session ----

function showLogin(message: string): void {
  source?.close();
  source = undefined;
  session = undefined;
  for (const m of Object.values(records)) m.clear();
  state.events = [];
  state.tokens = undefined;
  state.selected = undefined;
  for (const id of ["topology-svg", "topology-summary", "problems", "matrix", "services", "tokens", "events"]) $(id).replaceChildren();
  renderDetail(undefined);
  delete document.body.dataset.rendered;
  document.body.dataset.state = "login";
  $("login").hidden = false;
  $("tabs").hidden = true;
  $("main").hidden = true;
  $("logout").hidden = true;
  $("lost").hidden = true;
  $("who").textContent = "";
  $("conn").textContent = "Not signed in";
  $("login-error").textContent = message;
  input("token").focus();
}

function startSession(s: DashboardSession): void {
  session = s;
  $("login").hidden = true;
  $("tabs").hidden = false;
  $("main").hidden = false;
  $("logout").hidden = false;
  $("tab-tokens").hidden = s.role !== "admin";
  $("who").textContent = `Signed in as ${s.role}${s.tokenId === undefined ? " (certificate)" : ` (token ${s.tokenId})`}`;
  select(viewFromHash());
}

/** Loads the snapshot (a plain JSON GET: faster to parse than one huge event) and follows the stream from its revision. */
async function follow(pending?: Promise<DashboardSnapshot>): Promise<void> {
  const snap = await (pending ?? api<DashboardSnapshot>("/api/v1/snapshot"));
  applySnapshot(snap);
  connect(snap.revision);
}

function applySnapshot(snap: DashboardSnapshot): void {
  performance.mark("isthmus:snapshot-received");
  for (const m of Object.values(records)) m.clear();
  for (const kind of ["cluster", "endpoint", "export", "connection"] as const) {
    for (const [key, value] of snap.records[kind]) applyChange(records, { type: "put", kind, key, value });
  }
  state.events = [...snap.events];
  revision = snap.revision;
  received();
}

function signedIn(s: DashboardSession, pending?: Promise<DashboardSnapshot>): void {
  startSession(s);
  follow(pending).catch((err: unknown) => {
    if ((err as { status?: number }).status === 401) showLogin((err as Error).message);
    else connect(undefined);
  });
}

async function boot(): Promise<void> {
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const field = input("token");
    const token = field.value;
    field.value = "";
    api<DashboardSession>("/api/v1/login", { method: "POST", body: { token } }).then(
      (session) => {
        signedIn(session);
      },
      (err: unknown) => {
        showLogin((err as Error).message);
      },
    );
  });
  $("logout").addEventListener("click", () => {
    void api("/api/v1/logout", { method: "POST", body: {} }).finally(() => {
      showLogin("Signed out.");
    });
  });
  setupTabs();
  input("show-healthy").addEventListener("change", schedule);
  window.addEventListener("hashchange", () => {
    select(viewFromHash());
  });
  setInterval(() => {
    if (source !== undefined && Date.now() - lastMessage > 12_000) setLost(true);
  }, 1000);
  try {
    // Both at once: the snapshot is most of a first load.
    const snapshot = api<DashboardSnapshot>("/api/v1/snapshot");
    snapshot.catch(() => undefined);
    signedIn(await api<DashboardSession>("/api/v1/session"), snapshot);
  } catch (err) {
    showLogin((err as { status?: number }).status === 401 ? "" : (err as Error).message);
  }
}

// ---- the stream ----

function setLost(lost: boolean): void {
  $("lost").hidden = !lost;
  document.body.dataset.stream = lost ? "lost" : "live";
  $("conn").textContent = lost ? "Connection lost" : `Live · revision ${revision}`;
}

function connect(since: number | undefined): void {
  source?.close();
  const es = new EventSource(since === undefined ? "/api/v1/stream" : `/api/v1/stream?since=${since}`);
  source = es;
  lastMessage = Date.now();
  es.addEventListener("snapshot", (ev) => {
    applySnapshot(JSON.parse((ev as MessageEvent<string>).data) as DashboardSnapshot);
  });
  es.addEventListener("delta", (ev) => {
    const delta = JSON.parse((ev as MessageEvent<string>).data) as DashboardDelta;
    if (delta.changes.length === 0 && delta.events.length === 0) {
      // The stream's first message when nothing changed since the snapshot: live, nothing to draw.
      lastMessage = Date.now();
      setLost(false);
      return;
    }
    for (const c of delta.changes) applyChange(records, c);
    state.events.push(...delta.events);
    if (state.events.length > 500) state.events = state.events.slice(-500);
    revision = delta.revision;
    received();
  });
  es.addEventListener("ping", () => {
    lastMessage = Date.now();
    setLost(false);
  });
  es.addEventListener("signedout", (ev) => {
    showLogin((JSON.parse((ev as MessageEvent<string>).data) as { message: string }).message);
  });
  es.addEventListener("error", () => {
    if (source !== es) return;
    setLost(true);
    if (es.readyState === EventSource.CLOSED) {
      // Refused (e.g. 401): find out why, sign in again or retry.
      api<DashboardSession>("/api/v1/session").then(
        () => {
          setTimeout(() => {
            connect(revision);
          }, 1000);
        },
        (err: unknown) => {
          if ((err as { status?: number }).status === 401) showLogin((err as Error).message);
          else setTimeout(() => {
            connect(revision);
          }, 1000);
        },
      );
    }
  });
}

function received(): void {
  lastMessage = Date.now();
  setLost(false);
  document.body.dataset.revision = String(revision);
  schedule();
}

function schedule(): void {
  if (frame !== 0) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

// ---- tabs ----

function viewFromHash(): View {
  const v = location.hash.slice(1) as View;
  return views.includes(v) && (v !== "tokens" || session?.role === "admin") ? v : "topology";
}

function setupTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>("[role=tab]")];
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      location.hash = tab.dataset.view ?? "topology";
    });
    tab.addEventListener("keydown", (ev) => {
      const visible = tabs.filter((t) => !t.hidden);
      const i = visible.indexOf(tab);
      const next = ev.key === "ArrowRight" ? visible[(i + 1) % visible.length] : ev.key === "ArrowLeft" ? visible[(i - 1 + visible.length) % visible.length] : undefined;
      if (next !== undefined) {
        ev.preventDefault();
        next.focus();
        location.hash = next.dataset.view ?? "topology";
      }
    });
  }
}

function select(view: View): void {
  current = view;
  for (const v of views) {
    const tab = $(`tab-${v}`);
    tab.setAttribute("aria-selected", String(v === view));
    tab.tabIndex = v === view ? 0 : -1;
    $(`view-${v}`).hidden = v !== view;
  }
  if (view === "tokens") void loadTokens();
  schedule();
}

// ---- views ----

function render(): void {
  if (session === undefined) return;
  switch (current) {
    case "topology":
      renderTopology(state);
      break;
    case "matrix":
      renderMatrix(state);
      break;
    case "services":
      renderServices(state);
      break;
    case "tokens":
      renderTokens(state, revoke);
      break;
    case "events":
      renderEvents(state);
      break;
  }
  document.body.dataset.rendered = `${current}@${revision}`;
  performance.mark(`isthmus:rendered:${current}`);
}

async function loadTokens(): Promise<void> {
  try {
    state.tokens = (await api<{ tokens: TokenInfo[] }>("/api/v1/tokens")).tokens;
  } catch (err) {
    if ((err as { status?: number }).status === 401) showLogin((err as Error).message);
    else $("tokens").replaceChildren(h("p", { class: "error", role: "alert" }, (err as Error).message));
    return;
  }
  schedule();
}


function revoke(id: string): void {
  api(`/api/v1/tokens/${id}/revoke`, { method: "POST", body: {} }).then(loadTokens, (err: unknown) => {
    $("tokens").prepend(h("p", { class: "error", role: "alert" }, (err as Error).message));
  });
}

void boot();
