/**
 * The dashboard's one page. Its script is web/dashboard.ts (compiled to
 * build/web/dashboard.js by tsconfig.web.json) and is served by the dashboard
 * itself: nothing is loaded from the network.
 */

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>labeljoin</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 10px 18px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 17px; margin: 0; }
  #targets { color: var(--muted); }
  #targets .down { color: #cf222e; }
  #totals { display: grid; grid-template-columns: repeat(8, 1fr); gap: 8px; padding: 10px 18px 0; }
  .stat { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
  .stat b { display: block; font-size: 17px; font-variant-numeric: tabular-nums; }
  .stat span { color: var(--muted); font-size: 11px; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 10px; padding: 10px 18px 18px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
  section h2 { font-size: 13px; margin: 0 0 4px; }
  canvas { width: 100%; height: 190px; display: block; }
</style>
</head>
<body>
<header><h1>labeljoin</h1><span id="updated">connecting…</span><span id="targets"></span></header>
<div id="totals"></div>
<main>
  <section><h2>Throughput (records/s)</h2><canvas id="throughput"></canvas></section>
  <section><h2>Join rate per label (share of samples with label 1)</h2><canvas id="joinrate"></canvas></section>
  <section><h2>Engagement delay per type (share per delay bucket, s)</h2><canvas id="delays"></canvas></section>
  <section><h2>Watermark lag and joined views beyond the window (s)</h2><canvas id="lag"></canvas></section>
  <section><h2>Late, orphan, duplicate and dead-lettered (total)</h2><canvas id="faults"></canvas></section>
  <section><h2>Trainer AUC per signal (last validation window)</h2><canvas id="auc"></canvas></section>
  <section><h2>Emit latency beyond the window (s, p50 / p99)</h2><canvas id="latency"></canvas></section>
  <section><h2>Engagement index (engagements held)</h2><canvas id="index"></canvas></section>
</main>
<script type="module" src="/dashboard.js"></script>
</body>
</html>
`;
