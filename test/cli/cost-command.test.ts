/**
 * `labeljoin cost` as a user runs it: no broker, the repository's inputs by
 * default, --json, --html, and one-line errors for bad flags and files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CostReport } from '../../src/bench/cost-model.js';
import { jsonOutput, runCli } from '../helpers/cli.js';
import { testDir } from '../helpers/tmp.js';

describe('labeljoin cost', () => {
  it('prints Table 1\'s components for the three approaches, the lines and the assumptions', async () => {
    const r = await runCli(['cost']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Monthly cost at 200 MB\/s of views \(JSON\) at the peak, 3 days' retention/);
    for (const row of ['Messaging system', 'Event joiner', 'Redis', 'Trainer', 'Total', 'Schema \\+ compression']) assert.match(r.stdout, new RegExp(`^${row}`, 'm'));
    assert.match(r.stdout, /^Assumptions:$/m);
    assert.match(r.stdout, /not measured/);
  });

  it('--json gives the projection; --views-mbps scales it; --html writes a page with the chart', async (t) => {
    const html = join(testDir(t, 'cost'), 'cost.html');
    const r = await runCli(['cost', '--json', '--views-mbps', '100', '--retention-days', '1', '--html', html]);
    assert.equal(r.code, 0, r.stderr);
    const report = jsonOutput<CostReport>(r, 'cost');
    assert.deepEqual(report.scenario, { viewsMBps: 100, retentionDays: 1, wire: 'avro' });
    assert.ok(report.totals.approach1 > report.totals.approach2);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<svg /);
  });

  it('a bad value or a missing file is one line and exit 2', async () => {
    const bad = await runCli(['cost', '--views-mbps', 'fast']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.split('\n').filter((l) => l !== '').length, 1, bad.stderr);
    const missing = await runCli(['cost', '--prices', '/nonexistent/prices.json']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'labeljoin: /nonexistent/prices.json: cannot be read (ENOENT)\n');
  });
});
