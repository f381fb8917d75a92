/**
 * A reader of the Prometheus text exposition format (version 0.0.4), enough
 * for the dashboard and the tests: one sample per line,
 *   name{label="value",...} value [timestamp]
 * with # HELP / # TYPE comments skipped, label values unescaped (\\ \" \n),
 * and NaN / +Inf / -Inf values.
 */

export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    if (brace !== -1 && (space === -1 || brace < space)) {
      name = line.slice(0, brace);
      const end = closingBrace(line, brace);
      labels = parseLabels(line.slice(brace + 1, end));
      rest = line.slice(end + 1).trim();
    } else {
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const valueText = rest.split(/\s+/)[0] ?? '';
    out.push({ name, labels, value: parseValue(valueText) });
  }
  return out;
}

function closingBrace(line: string, open: number): number {
  let inString = false;
  for (let i = open + 1; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '}') return i;
  }
  throw new Error(`unterminated labels in: ${line}`);
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/g;
  for (const m of text.matchAll(re)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  return Number(text);
}

/** The sum of the values of one metric whose labels include `match`. */
/** The largest finite value of a metric over all its series, or null when it has none. */
export function maxOf(samples: readonly PromSample[], name: string): number | null {
  const values = samples.filter((s) => s.name === name && Number.isFinite(s.value)).map((s) => s.value);
  return values.length === 0 ? null : Math.max(...values);
}

export function sumOf(samples: readonly PromSample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const s of samples) if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  return total;
}
