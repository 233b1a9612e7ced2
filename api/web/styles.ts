import { createHash } from 'node:crypto';

/**
 * The one hand-written stylesheet of the results pages, served from `/static/` with a content hash in the
 * name (so it can be cached for a year) and referenced by `<link>`: the CSP stays `style-src 'self'`.
 */
export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #f5f6f8;
  --surface: #ffffff;
  --surface-2: #f0f2f5;
  --text: #161b22;
  --muted: #57606a;
  --border: #d8dee4;
  --accent: #4f46e5;
  --accent-strong: #4338ca;
  --accent-ink: #ffffff;
  --accent-soft: #eef0ff;
  --focus: #4f46e5;
  --ok: #1a7f37;
  --ok-soft: #dafbe1;
  --bad: #cf222e;
  --bad-soft: #ffebe9;
  --warn: #9a6700;
  --warn-soft: #fff8c5;
  --sev-critical: #b4232a;
  --sev-high: #e5622a;
  --sev-medium: #d49a00;
  --sev-low: #7a8699;
  --sev-critical-soft: #fde5e6;
  --sev-high-soft: #feebe0;
  --sev-medium-soft: #fdf3d1;
  --sev-low-soft: #eceff3;
  /* Severity words on their soft backgrounds: darker than the chart fills, for 4.5:1 contrast. */
  --sev-high-ink: #a63d11;
  --sev-medium-ink: #8a5c00;
  --radius: 10px;
  --shadow: 0 1px 2px rgba(16, 24, 40, 0.06), 0 1px 3px rgba(16, 24, 40, 0.08);
  --mono: ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --surface: #161b22;
    --surface-2: #1c222b;
    --text: #e6edf3;
    --muted: #9198a1;
    --border: #30363d;
    --accent: #8b83ff;
    --accent-strong: #a59fff;
    --accent-ink: #0d1117;
    --accent-soft: #232047;
    --focus: #a59fff;
    --ok: #3fb950;
    --ok-soft: #12261a;
    --bad: #ff7b72;
    --bad-soft: #2d1214;
    --warn: #d29922;
    --warn-soft: #2b2111;
    --sev-critical: #f25c5f;
    --sev-high: #f0883e;
    --sev-medium: #e3b341;
    --sev-low: #8b949e;
    --sev-critical-soft: #3a1517;
    --sev-high-soft: #3a2113;
    --sev-medium-soft: #33290f;
    --sev-low-soft: #242a31;
    --sev-high-ink: #f0883e;
    --sev-medium-ink: #d29922;
    --shadow: none;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font: 16px/1.55 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  min-height: 100vh;
  display: flex;
  flex-direction: column;
}
h1, h2, h3 { line-height: 1.25; margin: 0 0 0.5rem; letter-spacing: -0.01em; }
h1 { font-size: 1.6rem; }
h2 { font-size: 1.2rem; }
h3 { font-size: 1.02rem; }
p { margin: 0 0 0.75rem; }
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { color: var(--accent-strong); }
code, pre, .mono { font-family: var(--mono); font-size: 0.88em; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.skip-link {
  position: absolute; left: 0.75rem; top: -3rem; z-index: 10;
  background: var(--accent); color: var(--accent-ink); padding: 0.5rem 0.9rem; border-radius: 6px;
  font-weight: 600; text-decoration: none;
}
.skip-link:focus { top: 0.75rem; color: var(--accent-ink); }

/* Top bar */
.topbar { background: var(--surface); border-bottom: 1px solid var(--border); }
.topbar-inner {
  max-width: 1120px; margin: 0 auto; padding: 0.6rem 1.25rem;
  display: flex; align-items: center; gap: 1.25rem; flex-wrap: wrap;
}
.brand {
  display: inline-flex; align-items: center; gap: 0.5rem; font-weight: 700; font-size: 1.1rem;
  color: var(--text); text-decoration: none; letter-spacing: -0.02em;
}
.brand:hover { color: var(--text); }
.brand-mark { width: 26px; height: 26px; }
.nav { display: flex; gap: 0.25rem; flex-wrap: wrap; margin: 0; padding: 0; list-style: none; }
.nav a {
  display: block; padding: 0.4rem 0.75rem; border-radius: 8px; color: var(--muted);
  text-decoration: none; font-weight: 500;
}
.nav a:hover { background: var(--surface-2); color: var(--text); }
.nav a[aria-current='page'] { background: var(--accent-soft); color: var(--accent-strong); }
.topbar-end { margin-left: auto; display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
.who { color: var(--muted); font-size: 0.92rem; }
.who strong { color: var(--text); font-weight: 600; }
.switcher { position: relative; font-size: 0.92rem; }
.switcher > summary {
  cursor: pointer; list-style: none; display: inline-flex; align-items: center; gap: 0.4rem;
  padding: 0.3rem 0.6rem; border: 1px solid var(--border); border-radius: 8px;
}
.switcher > summary::-webkit-details-marker { display: none; }
.switcher > summary::after { content: '▾'; color: var(--muted); }
.switcher-count { color: var(--accent-strong); background: var(--accent-soft); }
.switcher-menu {
  position: absolute; right: 0; top: calc(100% + 0.35rem); z-index: 20; min-width: 14rem;
  background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius);
  box-shadow: var(--shadow); padding: 0.4rem;
}
.switcher-menu ul { list-style: none; margin: 0 0 0.3rem; padding: 0; }
.switcher-menu form { margin: 0; }
.switcher-item, .switcher-menu a {
  display: block; width: 100%; text-align: left; padding: 0.4rem 0.6rem; border: 0; border-radius: 6px;
  background: none; color: var(--text); font: inherit; cursor: pointer; text-decoration: none;
}
.switcher-item:hover, .switcher-menu a:hover { background: var(--surface-2); }

/* Page */
main { flex: 1; width: 100%; max-width: 1120px; margin: 0 auto; padding: 1.75rem 1.25rem 3rem; }
.page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 1rem; flex-wrap: wrap; margin-bottom: 1.25rem; }
.page-head p { color: var(--muted); margin: 0; }
.breadcrumb { font-size: 0.9rem; color: var(--muted); margin-bottom: 0.35rem; }
.breadcrumb a { color: var(--muted); }
.site-footer { color: var(--muted); font-size: 0.85rem; text-align: center; padding: 1.5rem 1rem 2rem; }

.card {
  background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius);
  box-shadow: var(--shadow); padding: 1.25rem; margin-bottom: 1.25rem; min-width: 0;
}
.card h3 { margin-top: 1.5rem; }
.card > h2 { display: flex; align-items: baseline; justify-content: space-between; gap: 0.5rem; }
.card-sub { color: var(--muted); font-size: 0.9rem; font-weight: 400; }
.grid { display: grid; gap: 1.25rem; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 860px) {
  .grid-2 { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
  .grid-side { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); }
}
.grid > .card { margin-bottom: 0; }
.stack > * + * { margin-top: 1.25rem; }

.stats { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); margin: 0 0 1.25rem; }
.stat { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 0.9rem 1rem; box-shadow: var(--shadow); }
.stat dt { color: var(--muted); font-size: 0.85rem; }
.stat dd { margin: 0.15rem 0 0; font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat dd small { font-size: 0.8rem; color: var(--muted); font-weight: 400; }

/* Tables */
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { width: 100%; border-collapse: collapse; font-size: 0.94rem; }
th, td { text-align: left; padding: 0.55rem 0.6rem; border-bottom: 1px solid var(--border); vertical-align: middle; }
thead th { color: var(--muted); font-weight: 600; font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; }
tbody tr:last-child > * { border-bottom: 0; }
tbody tr:hover { background: var(--surface-2); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.muted { color: var(--muted); }
.sub { display: block; color: var(--muted); font-size: 0.82rem; }

/* Badges */
.badge {
  display: inline-flex; align-items: center; gap: 0.3rem; padding: 0.1rem 0.55rem; border-radius: 999px;
  font-size: 0.78rem; font-weight: 600; line-height: 1.6; white-space: nowrap; border: 1px solid transparent;
}
.badge::before { content: ''; width: 0.5rem; height: 0.5rem; border-radius: 50%; background: currentColor; }
.badge-plain::before { display: none; }
.sev-critical { color: var(--sev-critical); background: var(--sev-critical-soft); }
.sev-high { color: var(--sev-high-ink); background: var(--sev-high-soft); }
.sev-medium { color: var(--sev-medium-ink); background: var(--sev-medium-soft); }
.sev-low { color: var(--muted); background: var(--sev-low-soft); }
.concl-success { color: var(--ok); background: var(--ok-soft); }
.concl-failure { color: var(--bad); background: var(--bad-soft); }
.concl-neutral { color: var(--muted); background: var(--surface-2); }
.cat { color: var(--muted); background: var(--surface-2); border-color: var(--border); }
.counts { display: inline-flex; gap: 0.3rem; flex-wrap: wrap; }
.count { display: inline-flex; align-items: center; justify-content: center; min-width: 1.9rem; padding: 0 0.4rem; border-radius: 6px; font-size: 0.8rem; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.6; }
.count.zero { color: var(--muted); background: transparent; }
.count { white-space: nowrap; }
.count-word { font-weight: 500; font-size: 0.72rem; margin-left: 0.15rem; }
.state-new { color: var(--bad); background: var(--bad-soft); }
.state-open { color: var(--warn); background: var(--sev-medium-soft); }
.state-fixed { color: var(--ok); background: var(--ok-soft); }
.state-dismissed { color: var(--muted); background: var(--surface-2); }
.pr-meta { color: var(--muted); font-size: 0.85rem; }
.run-reason { margin-top: 0.25rem; }

/* Chart */
.chart { margin: 0; }
.chart-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; direction: rtl; }
.chart-scroll > svg { direction: ltr; }
.chart-svg { width: 100%; height: auto; display: block; min-width: 540px; }
.chart-grid line { stroke: var(--border); stroke-width: 1; }
.chart-label { fill: var(--muted); font-size: 11px; font-family: inherit; }
.chart-hit { fill: transparent; }
.chart-bar:hover .chart-hit { fill: var(--surface-2); }
.sev-fill-critical { fill: var(--sev-critical); }
.sev-fill-high { fill: var(--sev-high); }
.sev-fill-medium { fill: var(--sev-medium); }
.sev-fill-low { fill: var(--sev-low); }
.chart-legend { display: flex; gap: 1rem; flex-wrap: wrap; font-size: 0.85rem; color: var(--muted); margin-top: 0.5rem; text-transform: capitalize; }
.legend-item { display: inline-flex; align-items: center; gap: 0.4rem; }
.legend-swatch { width: 0.8rem; height: 0.8rem; border-radius: 3px; display: inline-block; }
.sev-bg-critical { background: var(--sev-critical); }
.sev-bg-high { background: var(--sev-high); }
.sev-bg-medium { background: var(--sev-medium); }
.sev-bg-low { background: var(--sev-low); }
.trend-fill-introduced { fill: var(--bad); }
.trend-fill-fixed { fill: var(--ok); }
.trend-fill-dismissed { fill: var(--muted); }
.trend-fill-costUsd { fill: var(--accent, #5b4fd6); }
.trend-bg-introduced { background: var(--bad); }
.trend-bg-fixed { background: var(--ok); }
.trend-bg-dismissed { background: var(--muted); }
.chart-data { margin-top: 0.5rem; font-size: 0.88rem; }
.chart-data summary { cursor: pointer; color: var(--muted); }
.chart-data table { margin-top: 0.5rem; }

/* Buttons and forms */
.btn {
  display: inline-flex; align-items: center; justify-content: center; gap: 0.45rem;
  font: inherit; font-weight: 600; font-size: 0.93rem; line-height: 1.2;
  padding: 0.55rem 0.95rem; border-radius: 8px; border: 1px solid var(--border);
  background: var(--surface); color: var(--text); cursor: pointer; text-decoration: none; min-height: 2.4rem;
}
.btn:hover { background: var(--surface-2); color: var(--text); }
.btn-primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
.btn-primary:hover { background: var(--accent-strong); border-color: var(--accent-strong); color: var(--accent-ink); }
.btn-danger { color: var(--bad); border-color: var(--bad); background: transparent; }
.btn-danger:hover { background: var(--bad-soft); color: var(--bad); }
.btn-small { padding: 0.3rem 0.65rem; font-size: 0.84rem; min-height: 2rem; }
.btn-block { width: 100%; }
.btn-github { background: #24292f; border-color: #24292f; color: #fff; }
.btn-github:hover { background: #32383f; color: #fff; }
.btn-icon { width: 18px; height: 18px; fill: currentColor; }
.link-button { background: none; border: 0; padding: 0; font: inherit; color: var(--muted); cursor: pointer; text-decoration: underline; text-underline-offset: 2px; }
.link-button:hover { color: var(--text); }
.inline { display: inline; margin: 0; }
label, .label { display: block; font-weight: 600; font-size: 0.92rem; margin-bottom: 0.3rem; }
.hint { color: var(--muted); font-size: 0.85rem; margin: 0.25rem 0 0; font-weight: 400; }
input[type='text'], input[type='password'], input[type='search'], input[type='email'], select, textarea {
  font: inherit; color: var(--text); background: var(--surface); width: 100%;
  border: 1px solid var(--border); border-radius: 8px; padding: 0.5rem 0.65rem; min-height: 2.5rem;
}
input[type='text'], input[type='password'], input[type='email'], select { height: 2.5rem; }
input[readonly] { color: var(--muted); background: var(--surface-2); }
.details { display: grid; grid-template-columns: max-content 1fr; gap: 0.4rem 1.25rem; margin: 0; }
.details dt { color: var(--muted); }
.details dd { margin: 0; }
textarea { font-family: var(--mono); font-size: 0.88rem; line-height: 1.5; min-height: 14rem; resize: vertical; tab-size: 2; }
input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid var(--focus); outline-offset: 0; border-color: var(--focus); }
input[aria-invalid='true'], textarea[aria-invalid='true'] { border-color: var(--bad); }
.field { margin-bottom: 1rem; }
.checks { display: flex; gap: 0.5rem 1.25rem; flex-wrap: wrap; border: 0; padding: 0; margin: 0 0 1rem; }
.checks legend { font-weight: 600; font-size: 0.92rem; margin-bottom: 0.3rem; padding: 0; }
.checks label { display: inline-flex; align-items: center; gap: 0.4rem; font-weight: 400; margin: 0; }
.checks input { width: 1.05rem; height: 1.05rem; accent-color: var(--accent); }
.form-row { display: flex; gap: 0.75rem; flex-wrap: wrap; align-items: flex-end; }
.form-row > .field { flex: 1 1 14rem; margin-bottom: 0; }
.actions { display: flex; gap: 0.6rem; flex-wrap: wrap; align-items: center; margin-top: 0.75rem; }

/* Notices */
.notice { border-radius: var(--radius); padding: 0.85rem 1rem; margin-bottom: 1.25rem; border: 1px solid; }
.notice p:last-child, .notice ul:last-child { margin-bottom: 0; }
.notice-ok { background: var(--ok-soft); border-color: var(--ok); }
.notice-error { background: var(--bad-soft); border-color: var(--bad); }
.notice-warn { background: var(--warn-soft); border-color: var(--warn); }
.notice h2 { font-size: 1rem; }
.copy-field { display: flex; gap: 0.5rem; align-items: center; margin: 0.5rem 0; }
.secret {
  flex: 1; min-width: 0; font-family: var(--mono); font-size: 0.95rem; padding: 0.6rem 0.75rem;
  background: var(--surface); color: var(--text); border: 1px dashed var(--ok); border-radius: 8px; user-select: all;
}
.issues { margin: 0.25rem 0 0; padding-left: 1.2rem; }
.issues code { font-weight: 600; }

/* Empty state */
.empty { text-align: left; }
.empty-lead { font-size: 1.05rem; }
.steps { padding-left: 1.2rem; }
.steps li { margin-bottom: 0.6rem; }
pre.snippet {
  background: #0d1117; color: #e6edf3; border-radius: 8px; padding: 1rem 1.1rem; overflow-x: auto;
  line-height: 1.5; margin: 0.5rem 0 1rem; border: 1px solid var(--border);
}

/* Review page */
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 0.75rem 1.5rem; margin: 0; }
.meta dt { color: var(--muted); font-size: 0.82rem; }
.meta dd { margin: 0.1rem 0 0; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.filters { display: flex; gap: 1rem 2rem; flex-wrap: wrap; align-items: flex-end; }
.filters .checks { margin: 0; }
.file { margin-bottom: 1.25rem; }
.file-head {
  display: flex; align-items: center; justify-content: space-between; gap: 0.75rem; flex-wrap: wrap;
  padding: 0.6rem 1rem; background: var(--surface-2); border: 1px solid var(--border);
  border-radius: var(--radius) var(--radius) 0 0; font-family: var(--mono); font-size: 0.88rem;
}
.file-head h3 { font-size: 0.92rem; margin: 0; font-family: var(--mono); overflow-wrap: anywhere; }
.file-body { border: 1px solid var(--border); border-top: 0; border-radius: 0 0 var(--radius) var(--radius); background: var(--surface); }
.finding { padding: 1rem; border-top: 1px solid var(--border); }
.finding:first-child { border-top: 0; }
.finding-head { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; margin-bottom: 0.4rem; }
.finding-title { font-size: 1rem; margin: 0; flex: 1 1 16rem; overflow-wrap: anywhere; }
.finding-body { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; color: var(--text); font-size: 0.95rem; }
.finding-foot { margin-top: 0.5rem; font-size: 0.85rem; color: var(--muted); display: flex; gap: 1rem; flex-wrap: wrap; }

/* Sign-in */
.auth { max-width: 26rem; margin: 3rem auto; }
.auth .card { padding: 1.75rem; }
.auth h1 { text-align: center; }
.auth-lead { text-align: center; color: var(--muted); }
.divider { display: flex; align-items: center; gap: 0.75rem; color: var(--muted); font-size: 0.85rem; margin: 1.25rem 0; }
.divider::before, .divider::after { content: ''; flex: 1; height: 1px; background: var(--border); }

/* Settings */
.settings-nav { display: flex; gap: 0.5rem; flex-wrap: wrap; margin: 0 0 1.25rem; padding: 0; list-style: none; font-size: 0.9rem; }
.settings-nav a { display: block; padding: 0.3rem 0.7rem; border: 1px solid var(--border); border-radius: 999px; text-decoration: none; color: var(--muted); background: var(--surface); }
.settings-nav a:hover { color: var(--text); }
.danger-zone { border-color: var(--bad); }
.danger-zone > h2 { color: var(--bad); }
.scopes { display: inline-flex; gap: 0.25rem; flex-wrap: wrap; }

@media (max-width: 640px) {
  h1 { font-size: 1.35rem; }
  main { padding: 1.25rem 0.9rem 2.5rem; }
  .topbar-inner { padding: 0.55rem 0.9rem; gap: 0.6rem; }
  .topbar-end { margin-left: 0; width: 100%; justify-content: space-between; }
  .card { padding: 1rem; }
  .stat dd { font-size: 1.25rem; }
  .hide-sm { display: none; }
  .count { min-width: 1.3rem; padding: 0 0.2rem; }
  .counts { gap: 0.2rem; }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .stat { padding: 0.7rem 0.8rem; }
  th, td { padding: 0.5rem 0.3rem; }
  .badge { padding: 0.05rem 0.45rem; }
}
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
`;

/** A static asset's path, versioned by its content so it can be cached immutably. */
function contentPath(name: string, extension: string, content: string): string {
  return `/static/${name}.${createHash('sha256').update(content).digest('hex').slice(0, 12)}.${extension}`;
}

let cachedPath: string | undefined;

/** The stylesheet's path. */
export function stylesheetPath(): string {
  cachedPath ??= contentPath('app', 'css', STYLESHEET);
  return cachedPath;
}

/**
 * The pages' one script, served from `/static/` (the CSP allows no inline script): it shows each copy
 * button (`button[data-copy]`, hidden until then: without script the field's text is selected by hand) and
 * copies the value of the field it names, saying so in the button.
 */
export const COPY_SCRIPT = `'use strict';
for (const button of document.querySelectorAll('button[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  if (!field) continue;
  button.hidden = false;
  field.addEventListener('focus', () => field.select());
  button.addEventListener('click', () => {
    field.select();
    navigator.clipboard.writeText(field.value).then(
      () => { button.textContent = 'Copied'; },
      () => { button.textContent = 'Selected: press Ctrl+C (⌘C)'; },
    );
  });
}
`;

let cachedScriptPath: string | undefined;

/** The copy script's path. */
export function copyScriptPath(): string {
  cachedScriptPath ??= contentPath('copy', 'js', COPY_SCRIPT);
  return cachedScriptPath;
}

/** The brand mark as a standalone SVG (also the favicon). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#4f46e5"/><path d="M9 8h6.5a8 8 0 0 1 0 16H9z" fill="none" stroke="#fff" stroke-width="3"/><path d="M19 16h6" stroke="#c7c3ff" stroke-width="3" stroke-linecap="round"/></svg>`;
