/**
 * The autoscaling timeline as a picture: an SVG with three panels over the
 * same time axis (seconds since the first step): input records per second
 * taken in by the instances, the views' lag beyond the window against its
 * bound, and the instances running. Pure: rows in, SVG text out; every
 * number in the picture comes from the rows.
 */

export interface TimelineRow {
  /** Wall-clock ms. */
  readonly t: number;
  readonly instances: number;
  readonly desired: number;
  readonly lag_s: number | null;
  readonly input_per_s: number | null;
}

const W = 900;
const PANEL_H = 150;
const GAP = 30;
const LEFT = 70;
const RIGHT = 20;
const TOP = 30;

export function timelineSvg(rows: readonly TimelineRow[], lagBoundS: number, title: string): string {
  if (rows.length < 2) throw new RangeError('a timeline needs at least 2 steps');
  const t0 = rows[0]!.t;
  const t1 = rows.at(-1)!.t;
  const x = (t: number): number => LEFT + ((t - t0) / Math.max(1, t1 - t0)) * (W - LEFT - RIGHT);
  // The input rate is noisy per step (records come in fetch-sized bursts): a 5-step moving mean.
  const rate = rows.map((_, i) => {
    const window = rows.slice(Math.max(0, i - 4), i + 1).map((r) => r.input_per_s).filter((v): v is number => v !== null);
    return window.length === 0 ? null : window.reduce((a, b) => a + b, 0) / window.length;
  });
  const panels = [
    { label: 'input records/s (5-step mean)', values: rate, max: Math.max(1, ...rate.filter((v): v is number => v !== null)), color: '#1f77b4', bound: undefined, step: false },
    { label: 'lag beyond the window, s', values: rows.map((r) => r.lag_s), max: Math.max(lagBoundS * 1.2, ...rows.map((r) => r.lag_s ?? 0)), color: '#d62728', bound: lagBoundS, step: false },
    { label: 'instances', values: rows.map((r) => r.instances), max: Math.max(1, ...rows.map((r) => Math.max(r.instances, r.desired))) + 0.5, color: '#2ca02c', bound: undefined, step: true },
  ];
  const height = TOP + panels.length * (PANEL_H + GAP) + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    `<text x="${LEFT}" y="18" font-size="14">${escape(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = TOP + i * (PANEL_H + GAP);
    const y = (v: number): number => top + PANEL_H - (v / panel.max) * PANEL_H;
    parts.push(`<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${PANEL_H}" fill="none" stroke="#999"/>`);
    parts.push(`<text x="${LEFT + 6}" y="${top + 14}">${escape(panel.label)}</text>`);
    parts.push(`<text x="${LEFT - 6}" y="${top + 10}" text-anchor="end">${format(panel.max)}</text><text x="${LEFT - 6}" y="${top + PANEL_H}" text-anchor="end">0</text>`);
    if (panel.bound !== undefined) {
      parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(panel.bound).toFixed(1)}" y2="${y(panel.bound).toFixed(1)}" stroke="#d62728" stroke-dasharray="4 3"/>`);
      parts.push(`<text x="${W - RIGHT - 4}" y="${(y(panel.bound) - 4).toFixed(1)}" text-anchor="end" fill="#d62728">bound ${format(panel.bound)} s</text>`);
    }
    const points: string[] = [];
    rows.forEach((r, j) => {
      const v = panel.values[j];
      if (v === null || v === undefined) return;
      if (panel.step && points.length > 0) points.push(`${x(r.t).toFixed(1)},${points.at(-1)!.split(',')[1]}`);
      points.push(`${x(r.t).toFixed(1)},${y(v).toFixed(1)}`);
    });
    parts.push(`<polyline fill="none" stroke="${panel.color}" stroke-width="1.5" points="${points.join(' ')}"/>`);
  });
  const axisY = TOP + panels.length * (PANEL_H + GAP) - GAP + 16;
  for (let k = 0; k <= 4; k++) {
    const t = t0 + ((t1 - t0) * k) / 4;
    parts.push(`<text x="${x(t).toFixed(1)}" y="${axisY}" text-anchor="middle">${((t - t0) / 1000).toFixed(0)} s</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function format(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
