/**
 * End-to-end emit latency of a live joiner (`labeljoin bench e2e`): the
 * simulator sends in real time (--rate live: each event when the wall clock
 * reaches it; views per second = rate / input events per view), a
 * long-running joiner joins, and every sample's latency is computed from the
 * samples topic:
 *
 *   latency beyond the window = emitted_at - (view_ts + window + out-of-orderness)
 *
 * i.e. how much later than the earliest moment the contract allows (a view can
 * be joined only once its window has closed and the watermark, which trails
 * by the out-of-orderness, has passed it). Sessions take about a minute to
 * reach a steady load, so the first WARMUP_MS (sent live too) and SETTLE_MS
 * after it are not counted; at the end the simulator stops (what is in flight
 * is sent at once), so views younger than window + out-of-orderness + 2 s at
 * that moment are not counted either.
 */
import { EventCodec } from '../codec/codec.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { readTopicToEnd } from '../kafka/read-all.js';
import type { WorkloadOptions } from '../sim/workload.js';
import type { Clock } from '../time/clock.js';
import { simulateInto, startJoinerProcess, withBenchTopics } from './bench-topics.js';
import { BenchFailedError } from './errors.js';

/** Input events per view in the default workload (views, engagements, duplicates), measured: 2.07. */
const EVENTS_PER_VIEW = 2.07;
const WARMUP_MS = 70_000;
const SETTLE_MS = 5_000;

export interface LatencyBenchOptions {
  readonly workload: WorkloadOptions;
  readonly partitions: number;
  readonly topicPrefix: string;
  /** input events per second the simulator sends */
  readonly rate: number;
  readonly durationMs: number;
  readonly windowMs: number;
  readonly outOfOrdernessMs: number;
  readonly joinFlags: readonly string[];
}

export interface LatencyBenchResult {
  /** asked for */
  readonly rate: number;
  /** input events/s of the counted views (views x input events per view / seconds) */
  readonly measuredRate: number;
  readonly sent: number;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** How far the simulator fell behind the wall clock at worst: latency includes it, so it must be small for the figure to be the joiner's. */
  readonly simulatorMaxLagMs: number;
}

export async function runLatencyBench(settings: ConnectionSettings, o: LatencyBenchOptions, clock: Clock, progress: (line: string) => void): Promise<LatencyBenchResult> {
  return withBenchTopics(settings, o.topicPrefix, o.partitions, ['views', 'engagements', 'samples', 'deadLetter'], async (topics, state) => {
    const joiner = startJoinerProcess(settings, topics, `${o.topicPrefix}-joiner`, state, ['--idle-timeout', '1s', ...o.joinFlags]);
    try {
      await clock.sleep(3_000); // the joiner joins its group
      progress(`sending ${Math.round(o.rate).toLocaleString('en-US')} events/s for ${o.durationMs / 1000} s, event time following the wall clock`);
      const countFrom = clock.now() + WARMUP_MS + SETTLE_MS;
      const end = clock.now() + WARMUP_MS + o.durationMs;
      // Engagements keep coming long after their views (a share can take many minutes): at the end the simulator
      // is stopped and sends what is in flight at once. Views joined after that are not counted.
      const countTo = end - o.windowMs - o.outOfOrdernessMs - 2_000;
      const abort = new AbortController();
      void clock.sleep(WARMUP_MS + o.durationMs).then(() => abort.abort());
      // A flat rate (no daily curve): a run this short would otherwise sit in the curve's trough, at half the rate asked.
      const workload = { ...o.workload, views: undefined, durationMs: WARMUP_MS + o.durationMs + 3_600_000, startMs: clock.now(), viewsPerSecond: o.rate / EVENTS_PER_VIEW, dayAmplitude: 0 };
      const sim = await simulateInto(settings, topics, { workload, rate: 'live', signal: abort.signal }, clock);
      await clock.sleep(3_000);
      joiner.child.kill('SIGTERM');
      if ((await joiner.ended) !== 0) throw new BenchFailedError('labeljoin join', `ended with an error: ${joiner.stderrTail()}`);
      const codec = new EventCodec({ labelTypes: o.workload.labelTypes });
      const latencies: number[] = [];
      await readTopicToEnd(settings, topics.samples, {
        onRecord: (r) => {
          const s = codec.decodeSample(r.value, r);
          if (s.view_ts >= countFrom && s.view_ts < countTo) latencies.push(s.emitted_at - (s.view_ts + o.windowMs + o.outOfOrdernessMs));
        },
      });
      latencies.sort((a, b) => a - b);
      const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
      const countedSeconds = Math.max(1, (countTo - countFrom) / 1000);
      return { rate: o.rate, measuredRate: (latencies.length * EVENTS_PER_VIEW) / countedSeconds, sent: sim.sent, samples: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies[latencies.length - 1] ?? Number.NaN, simulatorMaxLagMs: sim.maxSendLagMs };
    } finally {
      if (joiner.child.exitCode === null) joiner.child.kill('SIGKILL');
    }
  });
}
