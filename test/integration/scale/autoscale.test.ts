/**
 * `labeljoin autoscale` on the real broker, as a user runs it: live traffic
 * (the simulator on the wall clock) with a spike of 3x the view rate, joiner
 * instances capped at --max-rate (so that one instance cannot keep up with the
 * spike on any machine), the supervisor adding instances while the lag beyond
 * the window grows and removing them after the calm. Then a drain joins the
 * last views, and the samples equal the truth: 0 missing, every label right
 * (repeated sample ids only from at-least-once across the rebalances).
 * The long form with its figures and picture: bench/RESULTS.md, "Autoscaling".
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventCodec } from '../../../src/codec/codec.js';
import { DEFAULT_LABEL_TYPES } from '../../../src/config/settings.js';
import { compareWithTruth } from '../../../src/validate/truth-report.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { testConnection } from '../../helpers/kafka.js';
import { createPipeline } from '../../helpers/pipeline.js';
import { testDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

const codec = new EventCodec({ labelTypes: DEFAULT_LABEL_TYPES });
const WINDOW = ['--window', '10s', '--max-skew', '5s', '--out-of-orderness', '3s'];
const LAG_BOUND_S = 30;
const SIM_SECONDS = 110;

interface Step {
  readonly t: number;
  readonly instances: number;
  readonly desired: number;
  readonly lag_s: number | null;
  readonly reason: string;
}

describe('labeljoin autoscale on the real broker', () => {
  it('a 3x spike: instances rise while the lag grows and fall after the calm; the lag returns under its bound; the samples equal the truth', async (t) => {
    const p = await createPipeline(t, 'autoscale', 4);
    const timelineFile = join(testDir(t, 'autoscale'), 'timeline.ndjson');
    const timeline = (): Step[] => {
      try {
        return readFileSync(timelineFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Step);
      } catch {
        return [];
      }
    };
    const started = Date.now();
    const sim = startCli(['simulate', ...p.inputArgs, ...WINDOW, '--start', 'now', '--rate', 'live', '--duration', `${SIM_SECONDS}s`, '--views-per-second', '400',
      '--spike', '3x35s@40s', '--late-arrival-rate', '0', '--truth', p.truth], { LABELJOIN_LOG_LEVEL: 'warn' });
    const joinFlags = [...p.inputArgs, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, '--group', p.group, ...WINDOW, '--max-rate', '400'];
    const scaler = startCli(['autoscale', '--min', '1', '--max', '3', '--lag-bound', `${LAG_BOUND_S}s`, '--up-cooldown', '10s', '--down-cooldown', '20s', '--scale-every', '1s',
      '--metrics-port', 'off', '--timeline', timelineFile, '--', ...joinFlags], { LABELJOIN_LOG_LEVEL: 'warn', LABELJOIN_FETCH_BYTES: '32768' });
    t.after(() => {
      sim.kill('SIGTERM');
      scaler.kill('SIGTERM');
    });

    // Live, the simulator would wait on the wall clock for the long tail of engagement delays (hours):
    // once its event time is over, it is stopped (what is in flight goes at once, the truth is finished).
    await waitFor(() => /simulate: [\d,]+ sent/.test(sim.stderr()) && Date.now() - started >= SIM_SECONDS * 1000, { what: 'the traffic to be sent', timeoutMs: (SIM_SECONDS + 60) * 1000, everyMs: 1_000 });
    sim.kill('SIGTERM');
    const simulated = await sim.done;
    assert.equal(simulated.code, 0, simulated.stderr);
    // After the traffic: every view is joined in the end, so the lag goes to 0 and, after the calm, instances go.
    const peak = (): number => Math.max(0, ...timeline().map((s) => s.instances));
    await waitFor(() => peak() >= 2 && timeline().at(-1)!.desired < peak(), { what: 'the instances to rise and fall again', timeoutMs: 180_000, everyMs: 1_000, detail: () => JSON.stringify(timeline().at(-1)) });
    scaler.kill('SIGTERM');
    const stopped = await scaler.done;
    assert.equal(stopped.code, 0, stopped.stderr);

    const steps = timeline();
    const rose = steps.findIndex((s) => s.instances >= 2);
    t.diagnostic(`steps ${steps.length}; peak ${peak()} instances; first rise at step ${rose}: ${steps[rose]?.reason}; at the end ${steps.at(-1)?.instances} (${steps.at(-1)?.reason})`);
    t.diagnostic(`lag beyond the window at most ${Math.max(...steps.map((s) => s.lag_s ?? 0)).toFixed(1)} s`);
    assert.ok(rose > 0, 'instances were added');
    const raised = steps.find((s) => s.desired >= 2);
    assert.match(raised?.reason ?? '', /^up: /, 'raised by the rule, for the lag or CPU');
    assert.ok(steps.some((s) => /^down: /.test(s.reason)), 'lowered by the rule after the calm');
    const last10 = steps.slice(-10).map((s) => s.lag_s ?? 0);
    assert.ok(last10.length === 10 && last10.every((lag) => lag < LAG_BOUND_S), `the lag is back under its bound: ${last10.join(', ')}`);

    // The rest (views within the last window) by a drain of the same group, then the truth.
    const drain = await runCli(['join', '--drain', ...joinFlags.filter((f, i, all) => f !== '--max-rate' && all[i - 1] !== '--max-rate')], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(drain.code, 0, drain.stderr);
    const report = await compareWithTruth(testConnection(), p.samples, p.truth, codec, 'drop');
    t.diagnostic(`views ${report.expected}, samples read ${report.samplesRead}, repeated sample ids ${report.duplicateSampleIds}`);
    assert.ok(report.expected > 10_000, `${report.expected} views`);
    assert.equal(report.missing, 0, JSON.stringify(report.examples));
    assert.equal(report.extra, 0);
    assert.equal(report.labelAccuracy, 1, JSON.stringify(report.examples));
  });
});
