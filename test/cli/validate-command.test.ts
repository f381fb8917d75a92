/**
 * `labeljoin validate` as a user runs it, on files (no broker needed): exit
 * codes, --json, --html, --min-agreement, and misuse.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { makeSamples, writeAvroFile, writeNdjsonFile } from '../helpers/sample-files.js';
import { testDir } from '../helpers/tmp.js';

const QUIET = { LABELJOIN_LOG_LEVEL: 'warn' };

describe('labeljoin validate (files)', () => {
  it('exit 0 on identical sets, 1 below --min-agreement, 0 again when the bar is lowered', async (t) => {
    const dir = testDir(t, 'cli-validate');
    const samples = makeSamples(200);
    await writeAvroFile(join(dir, 'a.avro'), samples);
    writeNdjsonFile(join(dir, 'same.ndjson'), samples);
    writeNdjsonFile(join(dir, 'fewer.ndjson'), samples.slice(0, 190));

    const same = await runCli(['validate', '--samples', join(dir, 'a.avro'), '--against', join(dir, 'same.ndjson')], QUIET);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /agreement 100\.000 % \(needed 100\.000 %: PASS\)/);

    const fewer = await runCli(['validate', '--samples', join(dir, 'a.avro'), '--against', join(dir, 'fewer.ndjson'), '--json', '--html', join(dir, 'r.html')], QUIET);
    assert.equal(fewer.code, 1, fewer.stderr);
    const report = JSON.parse(fewer.stdout) as { onlyInA: number; onlyInB: number; agreement: number; passed: boolean };
    assert.deepEqual([report.onlyInA, report.onlyInB, report.agreement, report.passed], [10, 0, 0.95, false]);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    assert.match(html, /<svg[^>]*aria-label="agreement over view time"/);
    assert.match(html, /FAIL/);

    const lowered = await runCli(['validate', '--samples', join(dir, 'a.avro'), '--against', join(dir, 'fewer.ndjson'), '--min-agreement', '0.95'], QUIET);
    assert.equal(lowered.code, 0, lowered.stderr);
  });

  it('exit 2 with one line on misuse and unreadable inputs', async (t) => {
    const dir = testDir(t, 'cli-validate-misuse');
    writeNdjsonFile(join(dir, 'a.ndjson'), makeSamples(3));
    const cases: Array<[string[], RegExp]> = [
      [['validate', '--samples', join(dir, 'a.ndjson')], /exactly one reference/],
      [['validate', '--samples', join(dir, 'a.ndjson'), '--against', join(dir, 'a.ndjson'), '--rejoin'], /exactly one reference/],
      [['validate', '--samples', join(dir, 'a.ndjson'), '--against', join(dir, 'missing.avro')], /missing\.avro: no such file/],
      [['validate', '--samples', join(dir, 'a.ndjson'), '--truth', join(dir, 'missing.ndjson')], /missing\.ndjson: no such file/],
      [['validate', '--samples', join(dir, 'a.ndjson'), '--against', join(dir, 'a.ndjson'), '--min-agreement', '2'], /min-agreement/],
      [['validate', '--samples', join(dir, 'a.ndjson'), '--against', join(dir, 'a.ndjson'), '--from', '2026-02-01', '--to', '2026-01-01'], /--from must be before --to/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, QUIET);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(existsSync(join(dir, 'missing.avro')), false);
  });
});
