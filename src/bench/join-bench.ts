/**
 * The joiner's throughput against the limit of the machine, in one run on one
 * broker (`labeljoin bench join`):
 *   1. fresh topics (views, engagements, samples, dead letter; or one consolidated
 *      topic of views and engagements, --layout consolidated) and N simulated
 *      views with their engagements in them (a pre-filled log);
 *   2. the limit: the same input read by a bare loop of our client (fetch and
 *      decompress, no decoding) and by Kafka's own JVM consumer
 *      (ConsumerPerformance from the broker's jars);
 *   3. `labeljoin join --drain` as its own process (or --joiners N processes in
 *      one consumer group, started together), watched through /proc: input
 *      events/s (the log's input events over the longest drain), CPU seconds
 *      per million input events (all processes), peak RSS (the largest
 *      process), bytes written to the local store and bytes read (its
 *      fetches) per million input events; samples out, and the negatives
 *      dropped under --negative-share F (in joinFlags);
 *   4. the topics are deleted.
 */
import { KafkaAdmin } from '../kafka/admin.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { runConsumerPerformance } from '../kafka/local/consumer-perf.js';
import { readTopicToEnd } from '../kafka/read-all.js';
import type { SimEncoder } from '../sim/foreign-shape.js';
import type { WorkloadOptions } from '../sim/workload.js';
import type { Clock } from '../time/clock.js';
import { simulateInto, startJoinerProcess, withBenchTopics } from './bench-topics.js';
import { ProcessWatch } from './process-usage.js';
import { BenchFailedError } from './errors.js';

export interface JoinBenchOptions {
  readonly workload: WorkloadOptions;
  readonly partitions: number;
  readonly topicPrefix: string;
  /** Flags for `labeljoin join` besides topics and brokers (window, out-of-orderness, ...). */
  readonly joinFlags: readonly string[];
  /** Another event shape (src/sim/foreign-shape.ts) for these topics; default: labeljoin's own. */
  readonly encoder?: (topics: { readonly views: string; readonly engagements: string }) => Promise<SimEncoder>;
  /** Views and engagements in one topic, told apart by the kind header. */
  readonly consolidated?: boolean;
  /** Joiner processes run at once in one group (default 1). */
  readonly joiners?: number;
  /** The share of all-negative samples the joiner keeps (--negative-share, in joinFlags too); for the result. */
  readonly negativeShare: number;
}

export interface JoinBenchResult {
  readonly views: number;
  readonly inputEvents: number;
  readonly simulateSeconds: number;
  readonly join: {
    readonly seconds: number;
    readonly eventsPerSec: number;
    readonly samples: number;
    /** All-negative samples not emitted (negative downsampling). */
    readonly negativesDropped: number;
    readonly cpuSecondsPerMillion: number;
    readonly peakRssMiB: number;
    readonly storeBytesPerMillion: number;
    /** Bytes the joiner process read (rchar: its fetches, and a few MiB of code) per million input events. */
    readonly readBytesPerMillion: number;
  };
  readonly layout: 'two-topics' | 'consolidated';
  /** Joiner processes that shared the partitions. */
  readonly joiners: number;
  /** The joiner's --negative-share (1: every sample). */
  readonly negativeShare: number;
  /** Compressed bytes of the input topics' logs on the broker. */
  readonly inputLogBytes: number;
  readonly limit: {
    readonly ourClientEventsPerSec: number;
    readonly kafkaConsumerEventsPerSec: number;
  };
  /** the joiner's rate as a fraction of each limit */
  readonly fractionOfOurClient: number;
  readonly fractionOfKafkaConsumer: number;
}

export async function runJoinBench(settings: ConnectionSettings, o: JoinBenchOptions, clock: Clock, progress: (line: string) => void): Promise<JoinBenchResult> {
  const consolidated = o.consolidated === true;
  return withBenchTopics(settings, o.topicPrefix, o.partitions, ['views', 'engagements', 'samples', 'deadLetter'], async (topics, state) => {
    progress(`simulating ${o.workload.views?.toLocaleString('en-US') ?? ''} views into ${topics.views} + ${topics.engagements}`);
    const encoder = o.encoder === undefined ? undefined : await o.encoder(topics);
    const sim = await simulateInto(settings, topics, { workload: o.workload, rate: undefined, encoder }, clock);
    const inputEvents = sim.sent;
    progress(`${inputEvents.toLocaleString('en-US')} input events in ${(sim.elapsedMs / 1000).toFixed(1)} s; the limit: our client's bare read loop`);

    const t0 = clock.now();
    const counts = new Map<string, number>();
    const inputs = [...new Set([topics.views, topics.engagements])];
    let inputLogBytes = 0;
    for (const topic of inputs) {
      counts.set(topic, await readTopicToEnd(settings, topic, { onRecord: () => undefined }));
      inputLogBytes += await logBytes(settings, topic);
    }
    const read = [...counts.values()].reduce((a, b) => a + b, 0);
    const ourClientEventsPerSec = read / Math.max(0.001, (clock.now() - t0) / 1000);

    progress("the limit: Kafka's ConsumerPerformance (JVM consumer)");
    const bootstrap = settings.brokers.join(',');
    let perfMessages = 0;
    let perfSeconds = 0;
    for (const topic of inputs) {
      const r = await runConsumerPerformance(bootstrap, topic, counts.get(topic) ?? 0);
      perfMessages += r.messages;
      perfSeconds += r.fetchSeconds;
    }
    const kafkaConsumerEventsPerSec = perfMessages / Math.max(0.001, perfSeconds);

    const n = o.joiners ?? 1;
    progress(n === 1 ? 'labeljoin join --drain' : `${n} x labeljoin join --drain, one group`);
    const runs = Array.from({ length: n }, (_, i) => {
      const joiner = startJoinerProcess(settings, topics, `${o.topicPrefix}-joiner`, `${state}/${i}`, ['--drain', ...o.joinFlags]);
      return { joiner, watch: new ProcessWatch(joiner.child.pid ?? 0) };
    });
    let seconds = 0;
    let samples = 0;
    let negativesDropped = 0;
    let joined = 0;
    const usage = { cpuSeconds: 0, peakRssBytes: 0, writeBytes: 0, readBytes: 0 };
    for (const { joiner, watch } of runs) {
      const code = await joiner.ended;
      const u = watch.stop();
      if (code !== 0) throw new BenchFailedError('labeljoin join --drain', `exited ${code}: ${joiner.stderrTail()}`);
      const m = /drained after ([\d.]+) s: (\d+) views and (\d+) engagements in \(\d+\/s\), (\d+) samples out(?: \((\d+) negatives dropped)?/.exec(joiner.stdout());
      if (m === null) throw new BenchFailedError('labeljoin join --drain', `unexpected summary: ${joiner.stdout().slice(0, 300)}`);
      seconds = Math.max(seconds, Number(m[1]));
      joined += Number(m[2]) + Number(m[3]);
      samples += Number(m[4]);
      negativesDropped += Number(m[5] ?? 0);
      usage.cpuSeconds += u.cpuSeconds;
      usage.peakRssBytes = Math.max(usage.peakRssBytes, u.peakRssBytes);
      usage.writeBytes += u.writeBytes;
      usage.readBytes += u.readBytes;
    }
    // One process: what it joined. Several: a partition handed over at the start is read by two, so the rate
    // is the log's input events over the longest drain (the processes start together).
    const events = n === 1 ? joined : inputEvents;
    const eventsPerSec = events / Math.max(0.001, seconds);
    const millions = events / 1e6;
    return {
      views: sim.views,
      inputEvents,
      simulateSeconds: sim.elapsedMs / 1000,
      join: {
        seconds,
        eventsPerSec,
        samples,
        negativesDropped,
        cpuSecondsPerMillion: usage.cpuSeconds / millions,
        peakRssMiB: usage.peakRssBytes / 2 ** 20,
        storeBytesPerMillion: usage.writeBytes / millions,
        readBytesPerMillion: usage.readBytes / millions,
      },
      layout: consolidated ? 'consolidated' : 'two-topics',
      joiners: n,
      negativeShare: o.negativeShare,
      inputLogBytes,
      limit: { ourClientEventsPerSec, kafkaConsumerEventsPerSec },
      fractionOfOurClient: eventsPerSec / ourClientEventsPerSec,
      fractionOfKafkaConsumer: eventsPerSec / kafkaConsumerEventsPerSec,
    };
  }, consolidated);
}

/** Bytes of a topic's log on the broker (compressed batches, as fetched). */
async function logBytes(settings: ConnectionSettings, topic: string): Promise<number> {
  const admin = new KafkaAdmin(settings);
  try {
    return Number((await admin.logSize([topic])).get(topic) ?? 0n);
  } finally {
    await admin.close();
  }
}
