/**
 * Streaming, not backfill: the simulator sends at a steady rate while a
 * long-running joiner (no --drain) joins as the data arrives, with one
 * engagement partition idle and a short idle timeout, so views there are
 * joined on the time borrowed from the other partitions. The last window is
 * never due in a live run; a drain run finishes it. Every label must equal
 * the truth.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline, runJoin, WINDOW_FLAGS } from '../../helpers/pipeline.js';
import { waitFor } from '../../helpers/wait.js';

describe('live joining on the real broker', () => {
  it('joins while the simulator sends, with an idle partition: labels equal the truth', async (t) => {
    const p = await createPipeline(t, 'join-live', 4);
    const joiner = startCli(
      ['join', ...p.inputArgs, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, ...WINDOW_FLAGS, '--view-disorder', '60s',
        '--group', p.group, '--state-dir', p.stateDir, '--idle-timeout', '1s', '--progress-every', '200ms'],
      { LABELJOIN_LOG_LEVEL: 'warn', LABELJOIN_FETCH_BYTES: '32768' },
    );
    const sim = await runCli(
      ['simulate', ...p.inputArgs, ...WINDOW_FLAGS, '--truth', p.truth, '--views', '20000', '--users', '1500', '--posts', '1000',
        '--views-per-second', '60', '--rate', '6000', '--seed', '51', '--idle-partition', '3', '--duplicate-rate', '0.05', '--early-rate', '0.1'],
      { LABELJOIN_LOG_LEVEL: 'warn' },
    );
    assert.equal(sim.code, 0, sim.stderr);
    // Let the live joiner catch up with what was sent (samples out the same for 600 ms), then stop it.
    const samplesOut = (): number => Number([...joiner.stderr().matchAll(/samples (\d+) out/g)].at(-1)?.[1] ?? 0);
    let last = -1;
    await waitFor(() => {
      const now = samplesOut();
      const caughtUp = now === last;
      last = now;
      return caughtUp;
    }, { what: 'the live joiner to catch up (samples out unchanged for 600 ms)', timeoutMs: 90_000, everyMs: 600, detail: () => `samples out ${samplesOut()}` });
    assert.ok(samplesOut() > 10_000, `the live joiner joined ${samplesOut()} views while they arrived`);
    joiner.kill('SIGTERM');
    const live = await joiner.done;
    assert.equal(live.code, 0, live.stderr);
    const rest = await runJoin(p);
    assert.equal(rest.code, 0, rest.stderr);

    const report = await compareWithTruth(testConnection(), p.samples, p.truth, new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES }), 'drop');
    assert.equal(report.missing, 0);
    assert.equal(report.extra, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
  });
});
