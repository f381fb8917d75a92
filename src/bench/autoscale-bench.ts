/**
 * Autoscaling under a load spike (`labeljoin bench autoscale`), on one broker:
 *   1. fresh topics (4 partitions);
 *   2. the simulator on the wall clock (`--rate live`) with a spike of 3x the
 *      view rate (stopped once its event time is over), and `labeljoin autoscale` running joiner instances capped at
 *      --max-rate records/s each (so one instance's sustainable rate is known
 *      and the spike is 3x what it can take, on any machine);
 *   3. after the traffic, the supervisor runs until it has scaled down (or a
 *      time limit), then gets SIGTERM; a drain of the same group joins the
 *      views of the last window;
 *   4. the samples against the simulator's truth; the timeline (instances,
 *      lag, input rate) as rows and figures: peak instances, the most lag, how
 *      long the lag was past its bound;
 *   5. the topics are deleted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventCodec } from '../codec/codec.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import type { Clock } from '../time/clock.js';
import { compareWithTruth, type TruthReport } from '../validate/truth-report.js';
import { startCliProcess, withBenchTopics } from './bench-topics.js';
import { BenchFailedError } from './errors.js';
import type { TimelineRow } from './timeline-svg.js';

export interface AutoscaleBenchOptions {
  readonly topicPrefix: string;
  readonly seed: number;
  /** Event time simulated (s), the spike in it, and the mean view rate. */
  readonly seconds: number;
  readonly spike: string;
  readonly viewsPerSecond: number;
  /** Each instance's cap, input records/s. */
  readonly maxRate: number;
  readonly min: number;
  readonly max: number;
  readonly lagBoundS: number;
  readonly upCooldownS: number;
  readonly downCooldownS: number;
}

export interface AutoscaleBenchResult {
  readonly options: AutoscaleBenchOptions;
  readonly rows: TimelineRow[];
  readonly peakInstances: number;
  readonly maxLagS: number;
  /** Seconds the lag was past its bound, in all. */
  readonly secondsPastBound: number;
  /** When the lag first passed its bound, and when it was back under it for good (s since the first step; undefined: never past). */
  readonly pastBoundFromS: number | undefined;
  readonly backUnderAtS: number | undefined;
  readonly changes: ReadonlyArray<{ readonly atS: number; readonly from: number; readonly to: number; readonly reason: string }>;
  readonly truth: TruthReport;
}

const WINDOW = ['--window', '10s', '--max-skew', '5s', '--out-of-orderness', '3s'];
const PARTITIONS = 4;
/** After the traffic, how long the supervisor may take to scale down. */
const SETTLE_LIMIT_MS = 240_000;

export async function runAutoscaleBench(settings: ConnectionSettings, o: AutoscaleBenchOptions, codec: EventCodec, clock: Clock, progress: (line: string) => void): Promise<AutoscaleBenchResult> {
  return withBenchTopics(settings, o.topicPrefix, PARTITIONS, ['views', 'engagements', 'samples', 'deadLetter'], async (topics, dir) => {
    const truthFile = join(dir, 'truth.ndjson');
    const timelineFile = join(dir, 'timeline.ndjson');
    const brokers = ['--brokers', settings.brokers.join(',')];
    const inputs = [...brokers, '--views-topic', topics.views, '--engagements-topic', topics.engagements];
    const joinFlags = [...inputs, '--samples-topic', topics.samples, '--dead-letter-topic', topics.deadLetter, '--group', `${o.topicPrefix}-joiner`, '--state-dir', join(dir, 'state'), ...WINDOW];
    progress(`live traffic for ${o.seconds} s (${o.viewsPerSecond} views/s, spike ${o.spike}); autoscale ${o.min}..${o.max}, instances capped at ${o.maxRate} records/s`);
    const sim = startCliProcess(['simulate', ...inputs, ...WINDOW, '--seed', String(o.seed), '--start', 'now', '--rate', 'live', '--duration', `${o.seconds}s`,
      '--views-per-second', String(o.viewsPerSecond), '--spike', o.spike, '--late-arrival-rate', '0', '--truth', truthFile]);
    const scaler = startCliProcess(['autoscale', '--min', String(o.min), '--max', String(o.max), '--lag-bound', `${o.lagBoundS}s`, '--up-cooldown', `${o.upCooldownS}s`,
      '--down-cooldown', `${o.downCooldownS}s`, '--scale-every', '1s', '--metrics-port', 'off', '--timeline', timelineFile, '--', ...joinFlags, '--max-rate', String(o.maxRate)]);
    const rows = (): Array<TimelineRow & { reason: string }> => {
      try {
        return readFileSync(timelineFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as TimelineRow & { reason: string });
      } catch {
        return [];
      }
    };
    const started = clock.now();
    try {
      // Live, the simulator would wait on the wall clock for the long tail of engagement delays (hours): once
      // its event time is over it is stopped (what is in flight goes at once; the truth is finished).
      while (clock.now() - started < o.seconds * 1000 && sim.child.exitCode === null) await clock.sleep(1_000);
      sim.child.kill('SIGTERM');
      const simCode = await sim.ended;
      if (simCode !== 0) throw new BenchFailedError('labeljoin simulate', `exited ${simCode}: ${sim.stderrTail()}`);
      progress('traffic sent; waiting for the supervisor to scale down');
      const until = clock.now() + SETTLE_LIMIT_MS;
      for (;;) {
        const r = rows();
        const peak = Math.max(0, ...r.map((s) => s.instances));
        if (r.length > 0 && r.at(-1)!.desired < peak && r.at(-1)!.desired <= o.min) break;
        if (clock.now() > until) break;
        await clock.sleep(1_000);
      }
    } finally {
      scaler.child.kill('SIGTERM');
      sim.child.kill('SIGTERM');
    }
    const scalerCode = await scaler.ended;
    if (scalerCode !== 0) throw new BenchFailedError('labeljoin autoscale', `exited ${scalerCode}: ${scaler.stderrTail()}`);
    progress('the rest by join --drain; then the truth');
    const drain = startCliProcess(['join', '--drain', ...joinFlags, '--metrics-port', 'off']);
    const drainCode = await drain.ended;
    if (drainCode !== 0) throw new BenchFailedError('labeljoin join --drain', `exited ${drainCode}: ${drain.stderrTail()}`);
    const truth = await compareWithTruth(settings, topics.samples, truthFile, codec, 'drop');
    return summarise(o, rows(), truth);
  });
}

/** The figures of a run from its timeline (exported: the figures of a recorded run can be computed again). */
export function summarise(o: AutoscaleBenchOptions, rows: Array<TimelineRow & { reason: string }>, truth: TruthReport): AutoscaleBenchResult {
  const t0 = rows[0]?.t ?? 0;
  const past = (r: TimelineRow): boolean => (r.lag_s ?? 0) > o.lagBoundS;
  let secondsPastBound = 0;
  const changes: Array<{ atS: number; from: number; to: number; reason: string }> = [];
  rows.forEach((r, i) => {
    const before = rows[i - 1];
    if (before !== undefined && past(r)) secondsPastBound += (r.t - before.t) / 1000;
    const desiredBefore = before?.desired ?? o.min;
    if (r.desired !== desiredBefore) changes.push({ atS: (r.t - t0) / 1000, from: desiredBefore, to: r.desired, reason: r.reason });
  });
  const first = rows.findIndex(past);
  let last = -1;
  rows.forEach((r, i) => {
    if (past(r)) last = i;
  });
  const backUnder = last >= 0 ? rows[last + 1] : undefined;
  return {
    options: o,
    rows: rows.map(({ t, instances, desired, lag_s, input_per_s }) => ({ t, instances, desired, lag_s, input_per_s })),
    peakInstances: Math.max(0, ...rows.map((r) => r.instances)),
    maxLagS: Math.max(0, ...rows.map((r) => r.lag_s ?? 0)),
    secondsPastBound,
    pastBoundFromS: first < 0 ? undefined : (rows[first]!.t - t0) / 1000,
    backUnderAtS: backUnder === undefined ? undefined : (backUnder.t - t0) / 1000,
    changes,
    truth,
  };
}
