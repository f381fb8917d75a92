/**
 * The cost projection rendered: as text lines (the CLI's table), and as one
 * self-contained HTML page with an inline SVG chart (no external assets).
 */
import { APPROACH_NAMES, APPROACHES, COMPONENT_NAMES, COMPONENTS, PAPER_TABLE_1, saving, type Approach, type CostReport } from './cost-model.js';

const SHORT: Readonly<Record<Approach, string>> = { approach1: 'Approach 1', approach2: 'Approach 2', labeljoin: 'labeljoin' };
const PAPER_SAVING: Readonly<Partial<Record<(typeof COMPONENTS)[number], number>>> = {
  messaging: PAPER_TABLE_1.messagingSaving,
  joiner: PAPER_TABLE_1.joinerSaving,
  redis: PAPER_TABLE_1.redisSaving,
};

export function usd(x: number): string {
  return `$${Math.round(x).toLocaleString('en-US')}`;
}

function pct(x: number | undefined): string {
  return x === undefined ? '-' : `${Math.round(x * 100)} %`;
}

/** The rows of the Table 1 comparison: per component and in total, USD per month, with the savings. */
export function summaryRows(r: CostReport): string[][] {
  const rows: string[][] = [['component', SHORT.approach1, SHORT.approach2, SHORT.labeljoin, '2 vs 1 (paper)', 'labeljoin vs 2', 'labeljoin vs 1']];
  for (const c of COMPONENTS) {
    const v = r.byComponent[c];
    const paper = PAPER_SAVING[c];
    rows.push([COMPONENT_NAMES[c], usd(v.approach1), usd(v.approach2), usd(v.labeljoin),
      `${pct(saving(v.approach1, v.approach2))}${paper === undefined ? '' : ` (${pct(paper)})`}`, pct(saving(v.approach2, v.labeljoin)), pct(saving(v.approach1, v.labeljoin))]);
  }
  const t = r.totals;
  rows.push(['Total', usd(t.approach1), usd(t.approach2), usd(t.labeljoin), pct(saving(t.approach1, t.approach2)), pct(saving(t.approach2, t.labeljoin)), pct(saving(t.approach1, t.labeljoin))]);
  const same = r.messagingSameBytes;
  rows.push(['Messaging alone, both carrying JSON', usd(same.pubsub), usd(same.kafka), '',
    `${pct(saving(same.pubsub, same.kafka))} (${pct(PAPER_TABLE_1.messagingSaving)})`, '', '']);
  const b = r.workload.inputBytesPerEvent;
  const cut = r.workload.inputCut;
  rows.push(['Schema + compression, bytes per input event', `${b.approach1.toFixed(1)} JSON`, `${b.approach2.toFixed(1)} Avro + LZ4`, `${b.labeljoin.toFixed(1)} ${r.scenario.wire === 'compact' ? 'compact' : 'Avro'} + LZ4`,
    `${pct(cut.approach2)} (${pct(PAPER_TABLE_1.schemaCut)})`, pct(saving(b.approach2, b.labeljoin)), `${pct(cut.labeljoin)}, measured`]);
  rows.push(['Kafka cost of the bytes: JSON vs Avro + LZ4', usd(same.kafka), usd(r.byComponent.messaging.approach2), usd(r.byComponent.messaging.labeljoin),
    pct(saving(same.kafka, r.byComponent.messaging.approach2)), pct(saving(r.byComponent.messaging.approach2, r.byComponent.messaging.labeljoin)), pct(saving(same.kafka, r.byComponent.messaging.labeljoin))]);
  return rows;
}

function columns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
}

export function costTextLines(r: CostReport): string[] {
  const out = [
    `Monthly cost at ${r.scenario.viewsMBps} MB/s of views (JSON) at the peak, ${r.scenario.retentionDays} days' retention, USD (the paper's Table 1 savings in brackets):`,
    '',
    ...columns(summaryRows(r)),
    '',
    'Lines [what the figure rests on]:',
  ];
  for (const a of APPROACHES) {
    out.push(`  ${APPROACH_NAMES[a]}`);
    for (const line of r.lines.filter((l) => l.approach === a)) {
      out.push(`    ${usd(line.monthlyUsd).padStart(9)}  ${COMPONENT_NAMES[line.component]}: ${line.item} [${line.basis}] — ${line.how}`);
    }
  }
  out.push('', 'Assumptions:', ...r.assumptions.map((a) => `  - ${a}`));
  return out;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const COLOURS: Readonly<Record<(typeof COMPONENTS)[number], string>> = { messaging: '#4e79a7', joiner: '#f28e2b', redis: '#e15759', trainer: '#76b7b2' };

/** Stacked bars, one per approach, a segment per component. */
function chart(r: CostReport): string {
  const width = 640;
  const height = 320;
  const left = 90;
  const bottom = 40;
  const top = 20;
  const max = Math.max(...APPROACHES.map((a) => r.totals[a]), 1);
  const scale = (height - top - bottom) / max;
  const barWidth = 120;
  const gap = (width - left - APPROACHES.length * barWidth) / (APPROACHES.length + 1);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    const y = height - bottom - value * scale;
    parts.push(`<line x1="${left}" x2="${width}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11">${escape(usd(value))}</text>`);
  }
  APPROACHES.forEach((a, i) => {
    const x = left + gap + i * (barWidth + gap);
    let y = height - bottom;
    for (const c of COMPONENTS) {
      const h = r.byComponent[c][a] * scale;
      if (h <= 0) continue;
      y -= h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}" fill="${COLOURS[c]}"><title>${escape(`${SHORT[a]}, ${COMPONENT_NAMES[c]}: ${usd(r.byComponent[c][a])}`)}</title></rect>`);
    }
    parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${(y - 5).toFixed(1)}" text-anchor="middle" font-size="12">${escape(usd(r.totals[a]))}</text>`,
      `<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="12">${escape(SHORT[a])}</text>`);
  });
  const legend = COMPONENTS.map((c, i) => `<rect x="${left + i * 130}" y="${height - 14}" width="10" height="10" fill="${COLOURS[c]}"/><text x="${left + i * 130 + 14}" y="${height - 5}" font-size="11">${escape(COMPONENT_NAMES[c])}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="monthly cost per approach">${[...parts, ...legend].join('')}</svg>`;
}

export function costHtml(r: CostReport): string {
  const rows = summaryRows(r);
  const table = (cells: readonly string[][]): string =>
    `<table><thead><tr>${cells[0]!.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead><tbody>${cells.slice(1).map((row) => `<tr>${row.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const lines = [['approach', 'component', 'item', 'USD / month', 'basis', 'how'], ...r.lines.map((l) => [SHORT[l.approach], COMPONENT_NAMES[l.component], l.item, usd(l.monthlyUsd), l.basis, l.how])];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>labeljoin cost</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td:first-child,th:first-child{text-align:left}li{margin:.2em 0}</style>',
    '</head><body>',
    `<h1>Monthly cost at ${escape(String(r.scenario.viewsMBps))} MB/s of views, ${escape(String(r.scenario.retentionDays))} days' retention</h1>`,
    chart(r),
    '<h2>Like the paper\'s Table 1 (its savings in brackets)</h2>',
    table(rows),
    '<h2>Lines</h2>',
    table(lines),
    '<h2>Assumptions</h2>',
    `<ul>${r.assumptions.map((a) => `<li>${escape(a)}</li>`).join('')}</ul>`,
    '</body></html>',
    '',
  ].join('\n');
}
