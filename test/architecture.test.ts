/**
 * The import rules of CONTRIBUTING/DESIGN, checked on every test run:
 *   cli → bench → join/train/validate/sim/observe/repartition/scale → time/store/codec/kafka/config/schema-registry → log, errors.ts, paths.ts
 * No module imports a layer above its own, the middle layer's modules do not
 * import each other, no file imports in a cycle, and only src/kafka imports
 * the Kafka client library (and the benchmark that compares Kafka clients,
 * which measures the library itself).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../src/paths.js';

const RANK: Record<string, number> = {
  cli: 3,
  bench: 2.5,
  join: 2, train: 2, validate: 2, sim: 2, observe: 2, repartition: 2, scale: 2,
  time: 1, store: 1, codec: 1, kafka: 1, config: 1, 'schema-registry': 1,
  log: 0, '.': 0,
};

const srcDir = join(packageRoot(), 'src');
/** Measures @platformatic/kafka bare against another client (docs/decisions/kafka-client.md), so it uses it directly. */
const CLIENT_COMPARISON = join(srcDir, 'bench', 'decisions', 'kafka-client.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

function moduleOf(file: string): string {
  const rel = relative(srcDir, file);
  return rel.includes('/') ? rel.split('/')[0]! : '.';
}

function imports(file: string): { relative: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!);
  return {
    relative: specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts'))),
    packages: specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:')),
  };
}

describe('architecture', () => {
  const files = sourceFiles(srcDir);
  const graph = new Map(files.map((f) => [f, imports(f)]));

  it('every source folder has a layer', () => {
    for (const f of files) assert.ok(moduleOf(f) in RANK, `src/${moduleOf(f)} has no layer in test/architecture.test.ts`);
  });

  it('imports flow one way: cli → join/train/validate/sim → time/store/codec/kafka/config', () => {
    const violations: string[] = [];
    for (const [file, { relative: deps }] of graph) {
      const from = moduleOf(file);
      for (const dep of deps) {
        const to = moduleOf(dep);
        if (from === to) continue;
        const ok = RANK[to]! < RANK[from]! || (RANK[to] === 1 && RANK[from] === 1) || (RANK[to] === 0 && RANK[from] === 0);
        if (!ok) violations.push(`${relative(srcDir, file)} imports ${relative(srcDir, dep)}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(srcDir, f)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const dep of graph.get(file)?.relative ?? []) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const f of files) visit(f, []);
    assert.deepEqual(cycles, []);
  });

  it('only src/kafka imports the Kafka client library', () => {
    const outside = [...graph]
      .filter(([file, { packages }]) => moduleOf(file) !== 'kafka' && file !== CLIENT_COMPARISON && packages.some((p) => p.startsWith('@platformatic/kafka')))
      .map(([file]) => relative(srcDir, file));
    assert.deepEqual(outside, []);
  });

  it('the join core imports no Kafka code: only the reader, the driver and the delivery touch src/kafka', () => {
    const kafkaFacing = new Set(['join/input-reader.ts', 'join/delivery.ts']);
    const offenders: string[] = [];
    for (const [file, { relative: deps }] of graph) {
      const rel = relative(srcDir, file);
      if (moduleOf(file) !== 'join' || kafkaFacing.has(rel)) continue;
      for (const dep of deps) if (moduleOf(dep) === 'kafka') offenders.push(`${rel} imports ${relative(srcDir, dep)}`);
    }
    assert.deepEqual(offenders, []);
    const core = [...graph.keys()].filter((f) => moduleOf(f) === 'join' && !kafkaFacing.has(relative(srcDir, f)));
    assert.ok(core.some((f) => f.endsWith('operator.ts')) && core.some((f) => f.endsWith('labels.ts')), 'the core files are found');
  });

  it('no console.log outside src/cli', () => {
    const offenders = files.filter((f) => moduleOf(f) !== 'cli' && /console\.log\(/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => relative(srcDir, f)), []);
  });
});
