import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { parsePromText, sumOf } from '../../src/observe/prom-text.js';

describe('Prometheus text reader', () => {
  it('reads what prom-client writes: labels, escapes, histograms, special values', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'x_total', help: 'h', labelNames: ['topic'], registers: [registry] });
    c.inc({ topic: 'a' }, 3);
    c.inc({ topic: 'we"ird\\name' }, 4);
    const h = new Histogram({ name: 'lat_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] });
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    const samples = parsePromText(await registry.metrics());
    assert.equal(sumOf(samples, 'x_total'), 7);
    assert.equal(sumOf(samples, 'x_total', { topic: 'we"ird\\name' }), 4);
    assert.deepEqual(samples.filter((s) => s.name === 'lat_seconds_bucket').map((s) => [s.labels['le'], s.value]), [['0.1', 1], ['1', 2], ['+Inf', 3]]);
    assert.deepEqual(parsePromText('a NaN\nb +Inf\n# HELP c x\nc{k="v"} -Inf 1700000000').map((s) => s.value), [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });
});
