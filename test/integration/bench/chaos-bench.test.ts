/**
 * The chaos run's short form (`labeljoin bench chaos`, src/bench/chaos-bench.ts): on a 3-node
 * cluster of its own, under 60 s of live traffic, joiners killed with kill -9, one partition
 * leader killed and restarted, an instance added and one removed; then the drain and the truth.
 * The long form (the command's defaults) is in bench/RESULTS.md.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChaosBenchResult } from '../../../src/bench/chaos-bench.js';
import { runCli } from '../../helpers/cli.js';

const SHORT = ['--chaos-seconds', '60', '--joiner-kills', '3', '--broker-kills', '1', '--scale-changes', '2', '--views-per-second', '200', '--seed', '5'];

describe('labeljoin bench chaos, short form', () => {
  it('every fault recovers; 0 samples missing or extra, every label right, every repeat the same sample, no crash', async () => {
    const r = await runCli(['bench', 'chaos', ...SHORT, '--json'], { LABELJOIN_LOG_LEVEL: 'warn', LABELJOIN_KAFKA_HEAP_MB: '512' });
    assert.ok(r.stdout.trim() !== '', `no result (exit ${r.code}): ${r.stderr.split('\n').slice(-12).join('\n')}`);
    const result = JSON.parse(r.stdout) as ChaosBenchResult & { passed: boolean };
    const kinds = result.faults.map((f) => f.fault.kind).sort();
    assert.deepEqual(kinds, ['add', 'kill-joiner', 'kill-joiner', 'kill-joiner', 'kill-leader', 'remove'], 'the schedule of seed 5');
    for (const f of result.faults) assert.ok(f.recoveryMs !== undefined && f.recoveryMs >= 0, `${f.line}: recovered`);
    const leader = result.faults.find((f) => f.fault.kind === 'kill-leader');
    assert.ok(leader?.rejoinMs !== undefined, 'the killed node is in sync again after its restart');
    assert.deepEqual(result.crashes, []);
    const t = result.truth;
    assert.ok(t.expected > 1_000 && t.found === t.expected, `${t.found} of ${t.expected} views found`);
    assert.deepEqual([t.missing, t.extra, t.labelAccuracy, t.conflictingRepeats], [0, 0, 1, 0], JSON.stringify(t.examples));
    assert.equal(result.passed, true);
    assert.equal(r.code, 0, r.stderr.split('\n').slice(-10).join('\n'));
  });
});
