/**
 * The trainer's throughput (`labeljoin bench train`): simulated samples
 * (views with their true labels, src/sim/samples.ts) written to a fresh
 * samples topic, then `labeljoin train --drain` with the embedded store (or
 * Redis at a given URL, under a model name of its own so runs never share
 * rows), all signals, as its own process watched through /proc: samples/s,
 * CPU seconds per million samples, peak RSS, and the last validation window's
 * AUC.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventCodec } from '../codec/codec.js';
import { userKey } from '../codec/events.js';
import type { ConnectionSettings } from '../kafka/connection.js';
import { KafkaProducer, keyedRecord } from '../kafka/producer.js';
import { simulatedSamples } from '../sim/samples.js';
import type { WorkloadOptions } from '../sim/workload.js';
import { startCliProcess, withBenchTopics } from './bench-topics.js';
import { ProcessWatch } from './process-usage.js';
import { BenchFailedError } from './errors.js';

export interface TrainBenchOptions {
  readonly workload: WorkloadOptions;
  readonly partitions: number;
  readonly topicPrefix: string;
  /** Where the model lives; redis: a running Redis at redisUrl (the bench's model is named after its topics). */
  readonly store: 'embedded' | 'redis';
  readonly redisUrl: string;
}

export interface TrainBenchResult {
  readonly samples: number;
  readonly signals: number;
  readonly store: 'embedded' | 'redis';
  readonly seconds: number;
  readonly samplesPerSec: number;
  readonly cpuSecondsPerMillion: number;
  readonly peakRssMiB: number;
  /** AUC per signal in the last progressive-validation window */
  readonly lastWindowAuc: Record<string, number>;
}

export async function runTrainBench(settings: ConnectionSettings, o: TrainBenchOptions, progress: (line: string) => void): Promise<TrainBenchResult> {
  return withBenchTopics(settings, o.topicPrefix, o.partitions, ['samples', 'deadLetter'], async (topics, dir) => {
    const samples = simulatedSamples(o.workload);
    progress(`${samples.length.toLocaleString('en-US')} simulated samples into ${topics.samples}`);
    const codec = new EventCodec({ labelTypes: o.workload.labelTypes });
    const producer = new KafkaProducer(settings, { compression: 'lz4' });
    try {
      for (let i = 0; i < samples.length; i += 4_000) {
        await producer.send(samples.slice(i, i + 4_000).map((s) => keyedRecord(topics.samples, o.partitions, userKey(s.user_id), codec.encodeSample(s, 'avro'))));
      }
    } finally {
      await producer.close();
    }
    progress(`labeljoin train --drain (${o.store} store, every signal)`);
    const storeFlags = o.store === 'redis' ? ['--store', 'redis', '--redis-url', o.redisUrl, '--model', o.topicPrefix] : ['--store', 'embedded', '--model-dir', join(dir, 'model')];
    const report = join(dir, 'report.json');
    const train = startCliProcess([
      'train', '--drain', '--brokers', settings.brokers.join(','),
      '--samples-topic', topics.samples, '--dead-letter-topic', topics.deadLetter, '--signals', o.workload.labelTypes.join(','),
      ...storeFlags, '--metrics-port', 'off', '--report', report,
    ]);
    const watch = new ProcessWatch(train.child.pid ?? 0);
    const code = await train.ended;
    const usage = watch.stop();
    if (code !== 0) throw new BenchFailedError('labeljoin train --drain', `exited ${code}: ${train.stderrTail()}`);
    const summary = JSON.parse(readFileSync(report, 'utf8')) as { elapsedMs: number; counters: { applied: number }; windows: Array<{ signals: Record<string, { auc: number }> }> };
    const seconds = summary.elapsedMs / 1000;
    const last = summary.windows[summary.windows.length - 1];
    return {
      samples: summary.counters.applied,
      signals: o.workload.labelTypes.length,
      store: o.store,
      seconds,
      samplesPerSec: summary.counters.applied / Math.max(0.001, seconds),
      cpuSecondsPerMillion: usage.cpuSeconds / (summary.counters.applied / 1e6),
      peakRssMiB: usage.peakRssBytes / 2 ** 20,
      lastWindowAuc: Object.fromEntries(Object.entries(last?.signals ?? {}).map(([s, v]) => [s, v.auc])),
    };
  });
}
