/**
 * labeljoin bench codec
 */
import { runCodecBench, type CodecBenchResult } from '../bench/codec-bench.js';
import { connectionSettings } from '../kafka/connection.js';
import { systemClock } from '../time/clock.js';
import type { CommandSpec } from './command.js';
import { workloadOptions } from './workload-options.js';

const PARTITIONS = 8;
const RECORDS_PER_SEND = 2_000;

export const benchCodec: CommandSpec = {
  name: 'bench codec',
  summary: 'Wire-size report: simulated samples as JSON and as Avro, through the broker under each batch compression; bytes per record on the broker log.',
  details: `Each variant goes to its own ${PARTITIONS}-partition topic (deleted afterwards) in produce requests of ${RECORDS_PER_SEND} records. The baseline is JSON without compression.`,
  settings: ['kafka.brokers', 'bench.records', 'sim.seed', 'join.labelTypes'],
  flags: [{ name: 'json', type: 'boolean', doc: 'print the result as one JSON object' }],
  async run(ctx) {
    const { config } = ctx;
    const result = await runCodecBench(
      connectionSettings(config),
      {
        workload: workloadOptions(config, PARTITIONS, systemClock, { views: config.bench.records, durationMs: undefined }),
        partitions: PARTITIONS,
        recordsPerSend: RECORDS_PER_SEND,
        topicPrefix: `labeljoin-bench-codec-${Date.now().toString(36)}`,
      },
      systemClock,
      (line) => process.stderr.write(`bench codec: ${line}\n`),
    );
    if (ctx.flags['json'] === true) ctx.out(JSON.stringify(result));
    else for (const line of table(result)) ctx.out(line);
    return 0;
  },
};

function table(r: CodecBenchResult): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const k = (x: number): string => `${Math.round(x / 1000).toLocaleString('en-US')}k`;
  return [
    `${r.records.toLocaleString('en-US')} samples, ${r.partitions} partitions, ${r.recordsPerSend} records per produce request; bytes per record on the broker log:`,
    '  format  compression  bytes/record  cut vs JSON',
    ...r.variants.map((v) => `  ${v.format.padEnd(6)}  ${v.compression.padEnd(11)}  ${v.bytesPerRecord.toFixed(1).padStart(12)}  ${pct(v.reduction).padStart(11)}`),
    ...r.skipped.map((s) => `  (${s.compression}: ${s.reason})`),
    r.avroLz4Reduction === undefined ? 'no Avro + LZ4 figure' : `Avro + LZ4 cuts ${pct(r.avroLz4Reduction)} of the bytes of JSON (the paper: 85 %; our target: at least 90 %)`,
    `records/s in this process: JSON encode ${k(r.rates.jsonEncode)}, decode ${k(r.rates.jsonDecode)}; Avro encode ${k(r.rates.avroEncode)}, decode ${k(r.rates.avroDecode)}`,
  ];
}
