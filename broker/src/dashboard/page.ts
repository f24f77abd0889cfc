// The dashboard's HTML shell and stylesheet. The shell holds no data: everything comes from
// the JSON API after sign-in. No inline script or style (the CSP forbids both), no external
// resources. Colours pass WCAG AA contrast on their backgrounds; status is also text and shape.

/** The page. */
export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Isthmus broker</title>
<link rel="stylesheet" href="/assets/style.css">
<script type="module" src="/assets/app.js"></script>
<link rel="modulepreload" href="/assets/dom.js">
<link rel="modulepreload" href="/assets/render.js">
<link rel="modulepreload" href="/assets/views.js">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <h1>Isthmus broker</h1>
  <p id="conn" class="conn" role="status" aria-live="polite">Not connected</p>
  <p id="who" class="who"></p>
  <button id="logout" type="button" hidden>Sign out</button>
</header>
<div id="lost" class="lost" role="alert" hidden>Connection to the broker lost — reconnecting. What you see may be out of date.</div>
<section id="login" class="login" hidden aria-labelledby="login-title">
  <h2 id="login-title">Sign in</h2>
  <p>Paste a dashboard token (<code>isthmus token create --viewer</code> or <code>--dashboard-admin</code>).</p>
  <form id="login-form" autocomplete="off">
    <label for="token">Token</label>
    <input id="token" name="token" type="password" required spellcheck="false" autocomplete="off">
    <button type="submit">Sign in</button>
  </form>
  <p id="login-error" class="error" role="alert"></p>
</section>
<nav id="tabs" hidden>
  <div role="tablist" aria-label="Views">
    <button role="tab" id="tab-topology" aria-controls="view-topology" data-view="topology">Topology</button>
    <button role="tab" id="tab-matrix" aria-controls="view-matrix" data-view="matrix">Connections</button>
    <button role="tab" id="tab-services" aria-controls="view-services" data-view="services">Services</button>
    <button role="tab" id="tab-tokens" aria-controls="view-tokens" data-view="tokens" hidden>Tokens</button>
    <button role="tab" id="tab-events" aria-controls="view-events" data-view="events">Events</button>
  </div>
</nav>
<main id="main" tabindex="-1">
  <section id="view-topology" role="tabpanel" aria-labelledby="tab-topology" hidden>
    <p id="topology-summary" class="summary"></p>
    <label class="opt"><input id="show-healthy" type="checkbox"> Show connected links (always shown up to 30 clusters)</label>
    <ul class="legend" aria-label="Legend">
      <li><svg width="40" height="10" aria-hidden="true"><line x1="0" y1="5" x2="40" y2="5" class="link connected"/></svg> connected (solid)</li>
      <li><svg width="40" height="10" aria-hidden="true"><line x1="0" y1="5" x2="40" y2="5" class="link connecting"/></svg> connecting (dashed)</li>
      <li><svg width="40" height="10" aria-hidden="true"><line x1="0" y1="5" x2="40" y2="5" class="link error"/></svg> error (dotted, thick)</li>
      <li>Cluster marks: ✓ healthy, ◐ degraded, ✕ down, ? no reports</li>
    </ul>
    <div class="topology">
      <div id="topology-svg"></div>
      <aside id="cluster-detail" aria-live="polite"><p>Select a cluster (click, or Tab to it and press Enter) for its details.</p></aside>
    </div>
  </section>
  <section id="view-matrix" role="tabpanel" aria-labelledby="tab-matrix" hidden>
    <h2>Connections not connected</h2>
    <div id="problems"></div>
    <h2>Matrix (row: from, column: to)</h2>
    <p class="summary">Cell: ✓ connected, … connecting, ✕ error, with mean RTT in ms; details in each cell's tooltip and in the list above.</p>
    <div id="matrix" class="scroll"></div>
  </section>
  <section id="view-services" role="tabpanel" aria-labelledby="tab-services" hidden><div id="services"></div></section>
  <section id="view-tokens" role="tabpanel" aria-labelledby="tab-tokens" hidden><div id="tokens"></div></section>
  <section id="view-events" role="tabpanel" aria-labelledby="tab-events" hidden><ol id="events" class="events" reversed></ol></section>
</main>
</body>
</html>
`;

/** The stylesheet. */
export const dashboardCss = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #4a5360; --bg: #ffffff; --line: #c9d1d9;
  --ok: #116329; --warn: #7d4e00; --bad: #a40e26; --accent: #0550ae; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px; z-index: 9; }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .5rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
h1 { font-size: 1.2rem; margin: 0; } h2 { font-size: 1.05rem; }
.conn, .who { margin: 0; color: var(--muted); }
.lost { background: #fff1e5; color: #5c2c00; border: 2px solid var(--bad); padding: .5rem 1rem; font-weight: 600; }
.login { max-width: 30rem; margin: 3rem auto; }
.login input { width: 100%; padding: .4rem; font: inherit; margin: .3rem 0 .6rem; }
.error { color: var(--bad); font-weight: 600; }
nav [role=tablist] { display: flex; gap: .25rem; padding: .5rem 1rem 0; border-bottom: 1px solid var(--line); }
button { font: inherit; padding: .35rem .8rem; border: 1px solid var(--line); background: #f6f8fa; color: var(--fg); border-radius: 4px; cursor: pointer; }
[role=tab][aria-selected=true] { background: var(--accent); color: #fff; border-color: var(--accent); }
:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
main { padding: .5rem 1rem 2rem; }
.summary { color: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; color: var(--muted); }
.topology { display: flex; gap: 1rem; align-items: flex-start; }
#topology-svg { flex: 1 1 auto; min-width: 0; } #topology-svg svg { width: 100%; height: auto; max-height: 80vh; }
aside { flex: 0 0 22rem; border: 1px solid var(--line); border-radius: 4px; padding: .5rem 1rem; }
.link { stroke-width: 2; fill: none; vector-effect: non-scaling-stroke; } .link.connected { stroke: var(--ok); stroke-width: 1.2; opacity: .55; }
.link.connecting { stroke: var(--warn); stroke-dasharray: 6 4; } .link.error { stroke: var(--bad); stroke-width: 3; stroke-dasharray: 2 3; }
.link.focus { opacity: .9; } .link.error.focus, .link.connecting.focus { stroke-width: 4; }
.node circle { fill: #fff; stroke: var(--fg); stroke-width: 1.5; } .node.healthy circle { stroke: var(--ok); }
.node.degraded circle { stroke: var(--warn); stroke-width: 3; } .node.down circle { stroke: var(--bad); stroke-width: 4; }
.node text { fill: var(--fg); } .node .mark { font-weight: 700; }
.node.selected circle { fill: #ddf4ff; } .node:focus { outline: none; } .node:focus circle { stroke: #0969da; stroke-width: 4; }
.edge-label { font-size: 10px; fill: var(--muted); }
table { border-collapse: collapse; } th, td { border: 1px solid var(--line); padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } .scroll { overflow: auto; max-height: 75vh; }
#matrix td, #matrix th { font-size: 11px; padding: .1rem .25rem; white-space: nowrap; }
td.connected { color: var(--ok); } td.connecting { color: var(--warn); } td.error { color: var(--bad); font-weight: 700; }
.status-connected { color: var(--ok); } .status-connecting { color: var(--warn); } .status-error { color: var(--bad); font-weight: 700; }
.events { font-family: ui-monospace, monospace; font-size: 13px; } .events time { color: var(--muted); margin-right: .6rem; }
.opt { display: block; margin: .3rem 0; }
`;
