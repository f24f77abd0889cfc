// The five views, drawn from the records the page follows (see views.ts for the derivations).
// Status is always text or shape as well as colour.
import { $, h, input, s } from "./dom.js";
import type { DashboardEvent, DashboardRecords, TokenInfo } from "./types.js";
import { matrixView, servicesView, topologyView, type TopologyCluster } from "./views.js";

/** What the views draw from; owned by the page. */
export interface PageState {
  readonly records: DashboardRecords;
  events: DashboardEvent[];
  /** The cluster selected in the topology. */
  selected: string | undefined;
  /** The tokens last fetched (admin only). */
  tokens: TokenInfo[] | undefined;
}

const mark = { healthy: "✓", degraded: "◐", down: "✕", unknown: "?" } as const;
const statusMark = { connected: "✓", connecting: "…", error: "✕" } as const;

/** Draws the topology; a click or Enter on a cluster selects it. */
export function renderTopology(state: PageState): void {
  const view = topologyView(state.records);
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
    const touches = state.selected !== undefined && (l.a === state.selected || l.b === state.selected);
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
    const g = s("g", { class: `node ${cl.health}${cl.id === state.selected ? " selected" : ""}`, tabindex: 0, role: "button", "aria-label": label, "aria-pressed": String(cl.id === state.selected), "data-cluster": cl.id, "data-health": cl.health });
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
      state.selected = state.selected === cl.id ? undefined : cl.id;
      renderTopology(state);
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
  renderDetail(view.clusters.find((x) => x.id === state.selected));
}

/** Shows a cluster's details, or the hint when none is selected. */
export function renderDetail(cl: TopologyCluster | undefined): void {
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

/** Draws the problem list and the matrix. */
export function renderMatrix(state: PageState): void {
  const view = matrixView(state.records);
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

/** Draws the services table. */
export function renderServices(state: PageState): void {
  const list = servicesView(state.records);
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
            h(
              "td",
              {},
              sv.clusters.every((c) => c.endpoints === undefined)
                ? "— (cluster IPs: endpoints stay in each cluster)"
                : sv.clusters.map((c) => `${c.clusterId}: ${c.endpoints === undefined ? "cluster IP" : `${c.ready ?? 0}/${c.endpoints}`}`).join(", "),
            ),
            h("td", {}, sv.conflict === undefined ? "none" : `⚠ ${sv.conflict}`),
          ),
        ),
      ),
    ),
  );
}

/** Draws the tokens table; `revoke` is called with a token id. */
export function renderTokens(state: PageState, revoke: (id: string) => void): void {
  if (state.tokens === undefined) return;
  const now = Date.now();
  $("tokens").replaceChildren(
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...["ID", "Kind", "Description", "Cluster", "Created", "Expires", "Used", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        ...state.tokens.map((t) => {
          const state = t.revoked ? "revoked" : Date.parse(t.expiresAt) <= now ? "expired" : "valid";
          const button = h("button", { type: "button", "aria-label": `Revoke token ${t.id}` }, "Revoke");
          button.addEventListener("click", () => {
            revoke(t.id);
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

/** Draws the events list, newest first. */
export function renderEvents(state: PageState): void {
  $("events").replaceChildren(
    ...state.events
      .slice()
      .reverse()
      .map((e) => h("li", { "data-event": e.type }, h("time", { datetime: e.at }, `${e.at.replace("T", " ").slice(0, 19)} UTC`), `${e.type}: ${e.text}`)),
  );
  if (state.events.length === 0) $("events").replaceChildren(h("li", {}, "No events since the broker started."));
}
