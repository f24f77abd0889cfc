// The dashboard page: sign-in, one server-sent-events stream (snapshot, then deltas), five
// views rendered from the records with the same derivations the JSON API serves. Rendering is
// coalesced to one animation frame; only the visible view is drawn. Status is always text or
// shape as well as colour; tabs, clusters and buttons are reachable by keyboard.
import type { DashboardDelta, DashboardRecords, DashboardSession, DashboardSnapshot, DashboardEvent, TokenInfo, DashboardErrorBody } from "./types.js";
import { applyChange, matrixView, servicesView, topologyView, type TopologyCluster, type TopologyView } from "./views.js";

type View = "topology" | "matrix" | "services" | "tokens" | "events";
const views: readonly View[] = ["topology", "matrix", "services", "tokens", "events"];

const records = { cluster: new Map(), endpoint: new Map(), export: new Map(), connection: new Map() } as {
  [K in keyof DashboardRecords]: Map<string, DashboardRecords[K] extends ReadonlyMap<string, infer V> ? V : never>;
};
let events: DashboardEvent[] = [];
let revision = 0;
let session: DashboardSession | undefined;
let current: View = "topology";
let selected: string | undefined;
let source: EventSource | undefined;
let lastMessage = 0;
let frame = 0;
let tokensShown: TokenInfo[] | undefined;

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from the page`);
  return el;
};
const input = (id: string): HTMLInputElement => {
  const el = $(id);
  if (!(el instanceof HTMLInputElement)) throw new Error(`#${id} is not an input`);
  return el;
};

/** Creates an element with text and attributes. */
function h(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}
const svgNs = "http://www.w3.org/2000/svg";
function s(tag: string, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

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
  events = [];
  tokensShown = undefined;
  selected = undefined;
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
  connect();
  select(viewFromHash());
}

async function boot(): Promise<void> {
  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const field = input("token");
    const token = field.value;
    field.value = "";
    api<DashboardSession>("/api/v1/login", { method: "POST", body: { token } }).then(startSession, (err: unknown) => {
      showLogin((err as Error).message);
    });
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
    startSession(await api<DashboardSession>("/api/v1/session"));
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

function connect(): void {
  source?.close();
  const es = new EventSource("/api/v1/stream");
  source = es;
  lastMessage = Date.now();
  es.addEventListener("snapshot", (ev) => {
    const snap = JSON.parse((ev as MessageEvent<string>).data) as DashboardSnapshot;
    for (const m of Object.values(records)) m.clear();
    for (const kind of ["cluster", "endpoint", "export", "connection"] as const) {
      for (const [key, value] of snap.records[kind]) applyChange(records, { type: "put", kind, key, value });
    }
    events = [...snap.events];
    revision = snap.revision;
    received();
  });
  es.addEventListener("delta", (ev) => {
    const delta = JSON.parse((ev as MessageEvent<string>).data) as DashboardDelta;
    for (const c of delta.changes) applyChange(records, c);
    events.push(...delta.events);
    if (events.length > 500) events = events.slice(-500);
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
          setTimeout(connect, 1000);
        },
        (err: unknown) => {
          if ((err as { status?: number }).status === 401) showLogin((err as Error).message);
          else setTimeout(connect, 1000);
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
      renderTopology(topologyView(records));
      break;
    case "matrix":
      renderMatrix();
      break;
    case "services":
      renderServices();
      break;
    case "tokens":
      renderTokens();
      break;
    case "events":
      renderEvents();
      break;
  }
  document.body.dataset.rendered = `${current}@${revision}`;
}

const mark = { healthy: "✓", degraded: "◐", down: "✕", unknown: "?" } as const;
const statusMark = { connected: "✓", connecting: "…", error: "✕" } as const;

function renderTopology(view: TopologyView): void {
  const n = view.clusters.length;
  const count = { connected: 0, connecting: 0, error: 0 };
  for (const l of view.links) count[l.status]++;
  $("topology-summary").textContent = `${n} clusters, ${view.links.length} links: ${count.connected} connected, ${count.connecting} connecting, ${count.error} in error.`;
  const showAll = n <= 30 || input("show-healthy").checked;
  const radius = Math.max(120, n * 9);
  const size = 2 * radius + (n > 40 ? 260 : 160);
  const c = size / 2;
  const pos = new Map<string, { x: number; y: number; angle: number }>();
  view.clusters.forEach((cl, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, n) - Math.PI / 2;
    pos.set(cl.id, { x: c + radius * Math.cos(angle), y: c + radius * Math.sin(angle), angle });
  });
  const svg = s("svg", { viewBox: `0 0 ${size} ${size}`, role: "group", "aria-label": `Topology of ${n} clusters` });
  const linkLayer = s("g", { "aria-hidden": "true" });
  for (const l of view.links) {
    const touches = selected !== undefined && (l.a === selected || l.b === selected);
    if (!showAll && l.status === "connected" && !touches) continue;
    const a = pos.get(l.a);
    const b = pos.get(l.b);
    if (a === undefined || b === undefined) continue;
    const line = s("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: `link ${l.status}${touches ? " focus" : ""}`, "data-link": `${l.a}|${l.b}`, "data-status": l.status });
    line.append(s("title", {}, `${l.a} ↔ ${l.b}: ${l.status}${l.reason === undefined ? "" : ` (${l.reason})`}, RTT ${l.rttMs.toFixed(1)} ms${l.driver === "" ? "" : `, ${l.driver}`}`));
    linkLayer.append(line);
    if (n <= 12) {
      linkLayer.append(s("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 3, class: "edge-label", "text-anchor": "middle" }, `${statusMark[l.status]} ${l.rttMs.toFixed(1)} ms ${l.driver}`));
    }
  }
  svg.append(linkLayer);
  // Sizes in SVG units grow with the drawing, so that they stay readable once it is scaled to fit.
  const r = Math.max(14, size / 110);
  const font = Math.max(12, size / 75);
  for (const cl of view.clusters) {
    const p = pos.get(cl.id);
    if (p === undefined) continue;
    const label = `Cluster ${cl.id}: ${cl.health}; ${cl.counts.connected} connected, ${cl.counts.connecting} connecting, ${cl.counts.error} in error`;
    const g = s("g", { class: `node ${cl.health}${cl.id === selected ? " selected" : ""}`, tabindex: 0, role: "button", "aria-label": label, "aria-pressed": String(cl.id === selected), "data-cluster": cl.id, "data-health": cl.health });
    const out = 1 + (r + 6) / radius;
    const lx = c + (p.x - c) * out;
    const ly = c + (p.y - c) * out;
    const anchor = Math.cos(p.angle) > 0.3 ? "start" : Math.cos(p.angle) < -0.3 ? "end" : "middle";
    g.append(
      s("title", {}, label),
      s("circle", { cx: p.x, cy: p.y, r }),
      s("text", { x: p.x, y: p.y + font / 3, "text-anchor": "middle", class: "mark", "font-size": font }, mark[cl.health]),
      s("text", { x: lx, y: ly + font / 3, "text-anchor": anchor, "font-size": font }, cl.id),
    );
    const choose = (): void => {
      selected = selected === cl.id ? undefined : cl.id;
      renderDetail(view.clusters.find((x) => x.id === selected));
      renderTopology(topologyView(records));
      document.querySelector<SVGGElement>(`[data-cluster="${cl.id}"]`)?.focus();
    };
    g.addEventListener("click", choose);
    g.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        choose();
      }
    });
    svg.append(g);
  }
  $("topology-svg").replaceChildren(svg);
  if (selected !== undefined) renderDetail(view.clusters.find((x) => x.id === selected));
}

function renderDetail(cl: TopologyCluster | undefined): void {
  const aside = $("cluster-detail");
  if (cl === undefined) {
    aside.replaceChildren(h("p", {}, "Select a cluster (click, or Tab to it and press Enter) for its details."));
    return;
  }
  const row = (k: string, v: string): HTMLElement => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, v));
  aside.replaceChildren(
    h("h2", {}, `Cluster ${cl.id}`),
    h(
      "table",
      {},
      row("Health", `${mark[cl.health]} ${cl.health}`),
      row("Pod CIDRs", cl.podCidrs.join(", ")),
      row("Service CIDRs", cl.serviceCidrs.join(", ")),
      row("Global CIDR", cl.globalCidr ?? "—"),
      row("Active gateway", cl.activeGateway ?? "none published"),
      row("Joined", cl.joinedAt),
      row("Last seen", cl.lastSeen),
    ),
    h("h3", {}, "Gateways"),
    cl.gateways.length === 0
      ? h("p", {}, "No gateway published.")
      : h("ul", {}, ...cl.gateways.map((g) => h("li", {}, `${g.hostname} (${g.role}) ${g.publicIp}:${g.port} ${g.cableDriver}${g.behindNat ? ", behind NAT" : ""}`))),
  );
}

function renderMatrix(): void {
  const view = matrixView(records);
  const cells = new Map(view.cells.map((c) => [`${c.from}\n${c.to}`, c]));
  const bad = view.cells.filter((c) => c.status !== "connected");
  const age = (iso: string): string => {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  };
  $("problems").replaceChildren(
    bad.length === 0
      ? h("p", {}, `All ${view.cells.length} reported connections are connected.`)
      : h(
          "table",
          {},
          h("thead", {}, h("tr", {}, ...["From", "To", "Status", "Reason", "RTT avg / max (ms)", "Loss", "State since"].map((t) => h("th", { scope: "col" }, t)))),
          h(
            "tbody",
            {},
            ...bad.map((c) =>
              h(
                "tr",
                { "data-pair": `${c.from}|${c.to}` },
                h("td", {}, c.from),
                h("td", {}, c.to),
                h("td", { class: `status-${c.status}` }, `${statusMark[c.status]} ${c.status}`),
                h("td", {}, c.reason ?? ""),
                h("td", {}, `${c.rttAvgMs.toFixed(1)} / ${c.rttMaxMs.toFixed(1)}`),
                h("td", {}, c.lossRatio === undefined ? "—" : `${(c.lossRatio * 100).toFixed(0)} %`),
                h("td", {}, age(c.since)),
              ),
            ),
          ),
        ),
  );
  const ids = view.clusterIds;
  const head = h("tr", {}, h("th", { scope: "col" }, "from \\ to"), ...ids.map((id) => h("th", { scope: "col" }, id)));
  const rows = ids.map((from) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, from),
      ...ids.map((to) => {
        const cell = cells.get(`${from}\n${to}`);
        if (from === to) return h("td", {}, "—");
        if (cell === undefined) return h("td", { title: `${from} → ${to}: not reported` }, "·");
        const title = `${from} → ${to}: ${cell.status}${cell.reason === undefined ? "" : ` (${cell.reason})`}; RTT avg ${cell.rttAvgMs.toFixed(1)} ms, max ${cell.rttMaxMs.toFixed(1)} ms; loss ${cell.lossRatio === undefined ? "—" : `${(cell.lossRatio * 100).toFixed(0)} %`}; since ${cell.since}`;
        return h("td", { class: cell.status, title, "data-cell": `${from}|${to}`, "data-status": cell.status }, `${statusMark[cell.status]} ${cell.rttAvgMs.toFixed(1)}`);
      }),
    ),
  );
  $("matrix").replaceChildren(h("table", {}, h("thead", {}, head), h("tbody", {}, ...rows)));
}

function renderServices(): void {
  const list = servicesView(records);
  if (list.length === 0) {
    $("services").replaceChildren(h("p", {}, "No service is exported."));
    return;
  }
  $("services").replaceChildren(
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...["Service", "Clusterset name", "Type", "Ports", "Exported by", "Ready endpoints", "Conflict"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        ...list.map((sv) =>
          h(
            "tr",
            { "data-service": `${sv.namespace}/${sv.name}` },
            h("td", {}, `${sv.namespace}/${sv.name}`),
            h("td", {}, sv.type === "ClusterSetIP" ? `${sv.dnsName} (clusterset IP: Service ${sv.name}-clusterset in each cluster)` : sv.dnsName),
            h("td", {}, sv.type),
            h("td", {}, sv.ports.join(", ")),
            h("td", {}, sv.clusters.map((c) => (c.clusterIp === undefined ? c.clusterId : `${c.clusterId} (${c.clusterIp})`)).join(", ")),
            h("td", {}, sv.clusters.map((c) => (c.endpoints === undefined ? `${c.clusterId}: cluster IP` : `${c.clusterId}: ${c.ready ?? 0}/${c.endpoints}`)).join(", ")),
            h("td", {}, sv.conflict === undefined ? "none" : `⚠ ${sv.conflict}`),
          ),
        ),
      ),
    ),
  );
}

async function loadTokens(): Promise<void> {
  try {
    tokensShown = (await api<{ tokens: TokenInfo[] }>("/api/v1/tokens")).tokens;
  } catch (err) {
    if ((err as { status?: number }).status === 401) showLogin((err as Error).message);
    else $("tokens").replaceChildren(h("p", { class: "error", role: "alert" }, (err as Error).message));
    return;
  }
  schedule();
}

function renderTokens(): void {
  if (tokensShown === undefined) return;
  const now = Date.now();
  $("tokens").replaceChildren(
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...["ID", "Kind", "Description", "Cluster", "Created", "Expires", "Used", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        ...tokensShown.map((t) => {
          const state = t.revoked ? "revoked" : Date.parse(t.expiresAt) <= now ? "expired" : "valid";
          const button = h("button", { type: "button", "aria-label": `Revoke token ${t.id}` }, "Revoke");
          button.addEventListener("click", () => {
            api(`/api/v1/tokens/${t.id}/revoke`, { method: "POST", body: {} }).then(loadTokens, (err: unknown) => {
              $("tokens").prepend(h("p", { class: "error", role: "alert" }, (err as Error).message));
            });
          });
          return h(
            "tr",
            { "data-token": t.id },
            h("td", {}, t.id),
            h("td", {}, t.scope),
            h("td", {}, t.description),
            h("td", {}, t.clusterId ?? (t.scope === "join" ? "any" : "—")),
            h("td", {}, t.createdAt),
            h("td", {}, t.expiresAt),
            h("td", {}, t.scope === "join" ? `${t.uses}/${t.maxUses}` : "—"),
            h("td", {}, state),
            h("td", {}, state === "valid" ? button : ""),
          );
        }),
      ),
    ),
  );
}

function renderEvents(): void {
  $("events").replaceChildren(
    ...events
      .slice()
      .reverse()
      .map((e) => h("li", { "data-event": e.type }, h("time", { datetime: e.at }, e.at.replace("T", " ").slice(0, 19)), `${e.type}: ${e.text}`)),
  );
  if (events.length === 0) $("events").replaceChildren(h("li", {}, "No events since the broker started."));
}

void boot();
