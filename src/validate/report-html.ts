/**
 * The comparison report as one self-contained HTML file (--html FILE): the
 * summary, the per-label table, the schema comparison, and an inline SVG chart
 * of agreement and differences over view time. No script, no external asset.
 */
import type { ComparisonReport } from './compare.js';
import { formatWidth, reportLines } from './report-text.js';

const W = 760;
const H = 220;
const PAD = { left: 56, right: 16, top: 16, bottom: 36 };

export function reportHtml(r: ComparisonReport): string {
  const pct = (x: number): string => `${(x * 100).toFixed(3)} %`;
  const labelRows = r.labelTypes.map((t) => {
    const k = r.perLabel[t]!;
    return `<tr><td>${esc(t)}</td><td>${pct(k.agreement)}</td><td>${k.both1}</td><td>${k.onlyA1}</td><td>${k.onlyB1}</td><td>${k.both0}</td><td>${k.absent}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>labeljoin validate: ${r.passed ? 'PASS' : 'FAIL'} ${pct(r.agreement)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:900px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.pass{color:#1a7f37}.fail{color:#cf222e}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #d0d7de;text-align:right}td:first-child,th:first-child{text-align:left}
pre{background:#f6f8fa;padding:12px;overflow:auto;font-size:12px}
</style></head><body>
<h1>labeljoin validate — <span class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'PASS' : 'FAIL'}</span></h1>
<p>A: ${esc(r.a.description)}<br>B: ${esc(r.b.description)}</p>
<p><b>agreement ${pct(r.agreement)}</b> (needed ${pct(r.minAgreement)}) · match rate ${pct(r.matchRate)} · label agreement ${pct(r.labelAgreement)}<br>
samples on either side ${r.union}: in both ${r.matched}, only in A ${r.onlyInA}, only in B ${r.onlyInB}</p>
<h2>Agreement over view time (${formatWidth(r.timeBuckets.widthMs)} buckets)</h2>
${chart(r)}
<h2>Labels</h2>
<table><tr><th>label</th><th>agreement</th><th>A1 B1</th><th>A1 B0</th><th>A0 B1</th><th>A0 B0</th><th>absent</th></tr>
${labelRows.join('\n')}
</table>
<h2>Full report</h2>
<pre>${esc(reportLines(r).join('\n'))}</pre>
</body></html>
`;
}

function chart(r: ComparisonReport): string {
  const rows = r.timeBuckets.rows;
  if (rows.length === 0) return '<p>no samples in scope</p>';
  const w = r.timeBuckets.widthMs;
  const t0 = rows[0]!.start;
  const t1 = rows[rows.length - 1]!.start + w;
  const x = (t: number): number => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const lo = Math.min(0.9, ...rows.map((row) => row.agreement));
  const y = (a: number): number => PAD.top + (1 - (a - lo) / (1 - lo || 1)) * (H - PAD.top - PAD.bottom);
  const maxDiff = Math.max(1, ...rows.map((row) => row.onlyInA + row.onlyInB + row.differing));
  const bars = rows
    .filter((row) => row.onlyInA + row.onlyInB + row.differing > 0)
    .map((row) => {
      const h = ((row.onlyInA + row.onlyInB + row.differing) / maxDiff) * (H - PAD.top - PAD.bottom) * 0.5;
      return `<rect x="${x(row.start).toFixed(1)}" y="${(H - PAD.bottom - h).toFixed(1)}" width="${Math.max(1, x(row.start + w) - x(row.start) - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#f0b4b4"><title>${new Date(row.start).toISOString()}: only A ${row.onlyInA}, only B ${row.onlyInB}, differing ${row.differing}</title></rect>`;
    });
  const line = rows.map((row, i) => `${i === 0 ? 'M' : 'L'}${x(row.start + w / 2).toFixed(1)},${y(row.agreement).toFixed(1)}`).join(' ');
  const ticks = [lo, (lo + 1) / 2, 1].map((a) => `<text x="${PAD.left - 6}" y="${(y(a) + 4).toFixed(1)}" text-anchor="end" font-size="11">${(a * 100).toFixed(1)}%</text><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(a).toFixed(1)}" y2="${y(a).toFixed(1)}" stroke="#eaeef2"/>`);
  const timeLabels = [t0, (t0 + t1) / 2, t1].map((t, i) => `<text x="${x(t).toFixed(1)}" y="${H - 12}" text-anchor="${['start', 'middle', 'end'][i]}" font-size="11">${new Date(t).toISOString().slice(0, 16).replace('T', ' ')}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="agreement over view time">
${ticks.join('\n')}
${bars.join('\n')}
<path d="${line}" fill="none" stroke="#0969da" stroke-width="2"/>
${timeLabels.join('\n')}
<text x="${W - PAD.right}" y="${PAD.top - 4}" text-anchor="end" font-size="11" fill="#57606a">line: agreement · bars: differences (only A + only B + differing)</text>
</svg>`;
}

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
