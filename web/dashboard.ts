/**
 * The dashboard page's script: polls /api/state once a second and draws the
 * charts on canvases, without any library. The state's shape is
 * DashboardState in src/observe/dashboard.ts (repeated here: the page is
 * compiled on its own, for the browser).
 *
 * Each canvas gets data-points (points drawn) and data-last (the newest value
 * of its first series) so a test can see the charts move.
 */

interface Point {
  t: number;
  viewsPerSec: number;
  engagementsPerSec: number;
  samplesPerSec: number;
  joinRate: Record<string, number>;
  totals: { views: number; engagements: number; samples: number; late: number; orphans: number; deadLettered: number; duplicates: number; trained: number };
  watermarkLagMaxSec: number | null;
  viewLagBeyondWindowMaxSec: number | null;
  emitLatencyP50Sec: number | null;
  emitLatencyP99Sec: number | null;
  indexEngagements: number;
  auc: Record<string, number>;
  logloss: Record<string, number>;
}

interface State {
  now: number;
  targets: Array<{ url: string; up: boolean; error?: string }>;
  points: Point[];
  delays: Record<string, Array<{ le: string; share: number }>>;
}

interface Series {
  name: string;
  values: Array<[number, number]>;
}

const COLORS = ['#0969da', '#1a7f37', '#cf222e', '#8250df', '#bf8700', '#1b7c83', '#e16f24', '#57606a'];

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`no #${id}`);
  return found as T;
}

function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('no 2d context');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, w, h };
}

function format(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || v === 0) return v.toFixed(0);
  return v.toFixed(a >= 1 ? 1 : 3);
}

function lineChart(canvas: HTMLCanvasElement, series: Series[], opts: { from: number; to: number; yMin?: number; yMax?: number }): void {
  const { ctx, w, h } = prepare(canvas);
  const pad = { l: 44, r: 8, t: 18, b: 18 };
  const all = series.flatMap((s) => s.values.map(([, v]) => v)).filter((v) => Number.isFinite(v));
  let lo = opts.yMin ?? (all.length === 0 ? 0 : Math.min(...all));
  let hi = opts.yMax ?? (all.length === 0 ? 1 : Math.max(...all));
  if (opts.yMin === undefined && lo > 0) lo = 0;
  if (hi - lo < 1e-9) hi = lo + 1;
  const x = (t: number): number => pad.l + ((t - opts.from) / Math.max(1, opts.to - opts.from)) * (w - pad.l - pad.r);
  const y = (v: number): number => pad.t + (1 - (v - lo) / (hi - lo)) * (h - pad.t - pad.b);
  ctx.strokeStyle = '#eaeef2';
  ctx.fillStyle = '#57606a';
  ctx.textAlign = 'right';
  for (let i = 0; i <= 3; i++) {
    const v = lo + ((hi - lo) * i) / 3;
    ctx.beginPath();
    ctx.moveTo(pad.l, y(v));
    ctx.lineTo(w - pad.r, y(v));
    ctx.stroke();
    ctx.fillText(format(v), pad.l - 4, y(v) + 4);
  }
  ctx.textAlign = 'left';
  ctx.fillText(new Date(opts.from).toLocaleTimeString(), pad.l, h - 4);
  ctx.textAlign = 'right';
  ctx.fillText(new Date(opts.to).toLocaleTimeString(), w - pad.r, h - 4);
  let legendX = pad.l;
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    let started = false;
    for (const [t, v] of s.values) {
      if (!Number.isFinite(v)) continue;
      if (!started) ctx.moveTo(x(t), y(v));
      else ctx.lineTo(x(t), y(v));
      started = true;
    }
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.textAlign = 'left';
    const last = s.values[s.values.length - 1];
    const label = `${s.name}${last === undefined ? '' : ` ${format(last[1])}`}`;
    ctx.fillText(label, legendX, 11);
    legendX += ctx.measureText(label).width + 12;
  });
  const first = series[0]?.values ?? [];
  canvas.dataset['points'] = String(series.reduce((n, s) => n + s.values.length, 0));
  canvas.dataset['last'] = String(first[first.length - 1]?.[1] ?? '');
}

function barChart(canvas: HTMLCanvasElement, delays: State['delays']): void {
  const { ctx, w, h } = prepare(canvas);
  const types = Object.keys(delays);
  const buckets = delays[types[0] ?? '']?.map((b) => b.le) ?? [];
  const pad = { l: 36, r: 8, t: 18, b: 18 };
  const groupW = (w - pad.l - pad.r) / Math.max(1, buckets.length);
  const barW = Math.max(1, (groupW - 4) / Math.max(1, types.length));
  const max = Math.max(0.01, ...types.flatMap((t) => delays[t]!.map((b) => b.share)));
  ctx.fillStyle = '#57606a';
  ctx.textAlign = 'center';
  buckets.forEach((le, i) => ctx.fillText(le === '+Inf' ? '>' : `≤${le}`, pad.l + groupW * i + groupW / 2, h - 4));
  ctx.textAlign = 'right';
  ctx.fillText(`${Math.round(max * 100)}%`, pad.l - 4, pad.t + 8);
  let legendX = pad.l;
  types.forEach((t, k) => {
    const color = COLORS[k % COLORS.length]!;
    ctx.fillStyle = color;
    delays[t]!.forEach((b, i) => {
      const bh = (b.share / max) * (h - pad.t - pad.b);
      ctx.fillRect(pad.l + groupW * i + 2 + k * barW, h - pad.b - bh, barW - 1, bh);
    });
    ctx.textAlign = 'left';
    ctx.fillText(t, legendX, 11);
    legendX += ctx.measureText(t).width + 12;
  });
  canvas.dataset['points'] = String(types.length * buckets.length);
  canvas.dataset['last'] = String(delays[types[0] ?? '']?.[0]?.share ?? '');
}

function pick(points: Point[], f: (p: Point) => number | null | undefined): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const p of points) {
    const v = f(p);
    if (v !== null && v !== undefined && Number.isFinite(v)) out.push([p.t, v]);
  }
  return out;
}

function keysOf(points: Point[], f: (p: Point) => Record<string, number>): string[] {
  return [...new Set(points.flatMap((p) => Object.keys(f(p))))];
}

function render(state: State): void {
  const points = state.points;
  const to = state.now;
  const from = points[0]?.t ?? to - 60_000;
  const last = points[points.length - 1];
  el('updated').textContent = `updated ${new Date(state.now).toLocaleTimeString()}`;
  // Everything from a target (its URL, its error text) goes in as text, never as markup.
  el('targets').replaceChildren(
    ...state.targets.map((t) => {
      const span = document.createElement('span');
      span.className = t.up ? 'up' : 'down';
      span.title = t.error ?? '';
      span.textContent = `${t.up ? '●' : '○'} ${t.url}`;
      span.style.marginRight = '1.5em';
      return span;
    }),
  );
  const totals = last?.totals;
  el('totals').replaceChildren(
    ...(totals === undefined ? [] : ([
      ['views in', totals.views], ['engagements in', totals.engagements], ['samples out', totals.samples], ['trained', totals.trained],
      ['late', totals.late], ['orphans', totals.orphans], ['duplicates', totals.duplicates], ['dead-lettered', totals.deadLettered],
    ] as Array<[string, number]>).map(([name, v]) => {
      const stat = document.createElement('div');
      stat.className = 'stat';
      const value = document.createElement('b');
      value.textContent = Number(v).toLocaleString();
      const label = document.createElement('span');
      label.textContent = name;
      stat.append(value, label);
      return stat;
    })),
  );
  const range = { from, to };
  lineChart(el('throughput'), [
    { name: 'views', values: pick(points, (p) => p.viewsPerSec) },
    { name: 'engagements', values: pick(points, (p) => p.engagementsPerSec) },
    { name: 'samples', values: pick(points, (p) => p.samplesPerSec) },
  ], range);
  lineChart(el('joinrate'), keysOf(points, (p) => p.joinRate).map((label) => ({ name: label, values: pick(points, (p) => p.joinRate[label]) })), { ...range, yMin: 0 });
  barChart(el('delays'), state.delays);
  lineChart(el('lag'), [
    { name: 'watermark lag (max)', values: pick(points, (p) => p.watermarkLagMaxSec) },
    { name: 'views beyond window (max)', values: pick(points, (p) => p.viewLagBeyondWindowMaxSec) },
  ], range);
  lineChart(el('faults'), [
    { name: 'late', values: pick(points, (p) => p.totals.late) },
    { name: 'orphans', values: pick(points, (p) => p.totals.orphans) },
    { name: 'duplicates', values: pick(points, (p) => p.totals.duplicates) },
    { name: 'dead-lettered', values: pick(points, (p) => p.totals.deadLettered) },
  ], range);
  lineChart(el('auc'), keysOf(points, (p) => p.auc).map((signal) => ({ name: signal, values: pick(points, (p) => p.auc[signal]) })), range);
  lineChart(el('latency'), [
    { name: 'p50', values: pick(points, (p) => p.emitLatencyP50Sec) },
    { name: 'p99', values: pick(points, (p) => p.emitLatencyP99Sec) },
  ], range);
  lineChart(el('index'), [{ name: 'engagements', values: pick(points, (p) => p.indexEngagements) }], range);
}

async function poll(): Promise<void> {
  try {
    const response = await fetch('/api/state', { cache: 'no-store' });
    if (response.ok) render((await response.json()) as State);
    else el('updated').textContent = `dashboard answered HTTP ${response.status}`;
  } catch (error) {
    el('updated').textContent = `dashboard not reachable: ${error instanceof Error ? error.message : String(error)}`;
  }
  window.setTimeout(() => void poll(), 1000);
}

void poll();
