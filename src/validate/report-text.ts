/**
 * The comparison report as a table for people (the default output of
 * `labeljoin validate`).
 */
import type { ComparisonReport, SideSummary } from './compare.js';
import type { SchemaComparison } from './schema-compat.js';

const pct = (x: number): string => `${(x * 100).toFixed(3)} %`;
const int = (n: number): string => n.toLocaleString('en-US');

export function reportLines(r: ComparisonReport): string[] {
  const scope = [
    r.shadowFraction < 1 ? `shadow fraction ${r.shadowFraction} of users` : 'all users',
    r.from === undefined && r.to === undefined ? 'all view times' : `view time ${r.from === undefined ? '…' : new Date(r.from).toISOString()} to ${r.to === undefined ? '…' : new Date(r.to).toISOString()}`,
  ].join(', ');
  const lines = [
    `A: ${r.a.description}`,
    `B: ${r.b.description}`,
    `scope: ${scope}`,
    '',
    `${''.padEnd(28)}${'A'.padStart(14)}${'B'.padStart(14)}`,
    ...sideRows(r.a, r.b),
    '',
    `samples on either side ${int(r.union)}: in both ${int(r.matched)}, only in A ${int(r.onlyInA)}, only in B ${int(r.onlyInB)}`,
    `match rate ${pct(r.matchRate)}   label agreement ${pct(r.labelAgreement)}   agreement ${pct(r.agreement)} (needed ${pct(r.minAgreement)}: ${r.passed ? 'PASS' : 'FAIL'})`,
    ...(r.keyFieldDiffs > 0 ? [`in both but user, post or view time differ: ${int(r.keyFieldDiffs)}`] : []),
    ...(r.weightDiffs > 0 ? [`in both but the weights differ: ${int(r.weightDiffs)}`] : []),
    ...(r.downsampling === undefined ? [] : [`negative downsampling ${r.downsampling.share}: the reference's negatives kept ${int(r.downsampling.kept)} of ${int(r.downsampling.negatives)} (kept share ${r.downsampling.keptShare.toFixed(4)}), with weight ${1 / r.downsampling.share}`]),
    '',
    `${'label'.padEnd(12)}${'agreement'.padStart(12)}${'A1 B1'.padStart(12)}${'A1 B0'.padStart(10)}${'A0 B1'.padStart(10)}${'A0 B0'.padStart(12)}${r.labelTypes.some((t) => r.perLabel[t]!.absent > 0) ? 'absent'.padStart(10) : ''}`,
    ...r.labelTypes.map((t) => {
      const k = r.perLabel[t]!;
      return `${t.padEnd(12)}${pct(k.agreement).padStart(12)}${int(k.both1).padStart(12)}${int(k.onlyA1).padStart(10)}${int(k.onlyB1).padStart(10)}${int(k.both0).padStart(12)}${k.absent > 0 ? int(k.absent).padStart(10) : ''}`;
    }),
    '',
    ...timeRows(r),
    '',
    ...schemaLines(r.schema),
  ];
  const ex = r.examples;
  if (ex.onlyInA.length > 0) lines.push('', 'only in A, e.g.', ...ex.onlyInA.map((s) => `  ${s}`));
  if (ex.onlyInB.length > 0) lines.push('', 'only in B, e.g.', ...ex.onlyInB.map((s) => `  ${s}`));
  if (ex.differing.length > 0) lines.push('', 'differing, e.g.', ...ex.differing.map((s) => `  ${s}`));
  for (const [name, side] of [['A', r.a], ['B', r.b]] as const) {
    if (side.badExamples.length > 0) lines.push('', `unreadable records of ${name}, e.g.`, ...side.badExamples.map((b) => `  ${b.where}: ${b.code}${b.field === undefined ? '' : ` field ${b.field}`}: ${b.reason}`));
  }
  return lines;
}

function sideRows(a: SideSummary, b: SideSummary): string[] {
  const row = (name: string, x: number, y: number): string => `${name.padEnd(28)}${int(x).padStart(14)}${int(y).padStart(14)}`;
  return [
    row('records read', a.recordsRead, b.recordsRead),
    row('unreadable records', a.badRecords, b.badRecords),
    row('outside the view-time range', a.outsideRange, b.outsideRange),
    row('users outside the shadow', a.outsideShadow, b.outsideShadow),
    row('samples (distinct views)', a.samples, b.samples),
    row('repeated sample ids', a.duplicates, b.duplicates),
    row('  of them, not the same', a.conflictingRepeats, b.conflictingRepeats),
    row('corrections (version > 0)', a.corrections, b.corrections),
  ];
}

function timeRows(r: ComparisonReport): string[] {
  const { widthMs, rows } = r.timeBuckets;
  const differing = rows.filter((x) => x.onlyInA + x.onlyInB + x.differing > 0);
  if (rows.length === 0) return ['no samples in scope'];
  const head = `differences by view time (${formatWidth(widthMs)} buckets; ${differing.length} of ${rows.length} with any):`;
  if (differing.length === 0) return [head, '  none'];
  const shown = differing.slice(0, 24);
  return [
    head,
    `  ${'from'.padEnd(26)}${'samples'.padStart(10)}${'only A'.padStart(9)}${'only B'.padStart(9)}${'differ'.padStart(9)}${'agreement'.padStart(12)}`,
    ...shown.map((x) => `  ${new Date(x.start).toISOString().padEnd(26)}${int(x.samples).padStart(10)}${int(x.onlyInA).padStart(9)}${int(x.onlyInB).padStart(9)}${int(x.differing).padStart(9)}${pct(x.agreement).padStart(12)}`),
    ...(differing.length > shown.length ? [`  … ${differing.length - shown.length} more buckets with differences (see --json)`] : []),
  ];
}

function schemaLines(s: SchemaComparison): string[] {
  if (!s.compared) return [`schema: not compared (${s.reason ?? ''})`];
  const reads = (ok: boolean | null, reason: string | undefined): string => (ok === null ? `n/a (${reason ?? ''})` : ok ? 'yes' : `NO (${reason ?? ''})`);
  const same = s.added.length === 0 && s.removed.length === 0 && s.changed.length === 0;
  return [
    `schema: ${same ? 'same fields and types' : `${s.added.length} field(s) added in A, ${s.removed.length} removed, ${s.changed.length} changed type`}`,
    ...s.added.map((f) => `  + ${f.path}: ${f.type}`),
    ...s.removed.map((f) => `  - ${f.path}: ${f.type}`),
    ...s.changed.map((f) => `  ~ ${f.path}: A ${f.a}, B ${f.b}`),
    `  A's schema reads B's records: ${reads(s.aReadsB.ok, s.aReadsB.reason)}`,
    `  B's schema reads A's records: ${reads(s.bReadsA.ok, s.bReadsA.reason)}`,
  ];
}

export function formatWidth(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}
