import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CodecBenchResult } from '../../../src/bench/codec-bench.js';
import { runCli } from '../../helpers/cli.js';
import { testAdmin, testBrokers } from '../../helpers/kafka.js';

describe('labeljoin bench codec on the real broker', () => {
  it('measures bytes per record on the broker log for each encoding and compression, and cleans up', async (t) => {
    const admin = testAdmin(t);
    const before = new Set(await admin.listTopics());
    const r = await runCli(['bench', 'codec', '--json', '--records', '3000', '--records-per-send', '1000', '--brokers', testBrokers().join(',')]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as CodecBenchResult;
    assert.equal(result.records.samples, 3000);
    assert.ok(result.records.views >= 3000, 'every view, and the duplicates the simulator sends');
    assert.ok(result.records.engagements > 0);
    assert.equal(result.recordsPerSend, 1000);
    for (const kind of ['views', 'engagements', 'samples'] as const) {
      const get = (format: string, compression: string) => result.variants.find((v) => v.kind === kind && v.format === format && v.compression === compression)!;
      assert.equal(get('json', 'none').reduction, 0);
      assert.equal(get('json', 'none').records, result.records[kind]);
      for (const compression of ['none', 'gzip', 'snappy', 'lz4']) {
        const json = get('json', compression);
        const avro = get('avro', compression);
        assert.ok(json.bytesOnLog > 0 && avro.bytesOnLog > 0, `${kind} ${compression}: nothing on the log`);
        assert.ok(avro.bytesPerRecord < json.bytesPerRecord, `${kind} ${compression}: Avro ${avro.bytesPerRecord} >= JSON ${json.bytesPerRecord}`);
      }
      assert.ok(get('avro', 'lz4').bytesPerRecord < get('avro', 'none').bytesPerRecord);
      assert.equal(result.avroLz4Reduction[kind], get('avro', 'lz4').reduction);
    }
    const bytes = (kind: string, format: string, compression: string) => result.variants.find((v) => v.kind === kind && v.format === format && v.compression === compression)!.bytesOnLog;
    const inputs = 1 - (bytes('views', 'avro', 'lz4') + bytes('engagements', 'avro', 'lz4')) / (bytes('views', 'json', 'none') + bytes('engagements', 'json', 'none'));
    assert.equal(result.avroLz4Reduction.inputs, inputs);
    // The compact shape: the inputs only, the same records, fewer bytes than our Avro under every compression.
    for (const kind of ['views', 'engagements'] as const) {
      for (const compression of ['none', 'gzip', 'snappy', 'lz4']) {
        const compact = result.variants.find((v) => v.kind === kind && v.format === 'compact' && v.compression === compression)!;
        assert.equal(compact.records, result.records[kind]);
        assert.ok(compact.bytesOnLog < bytes(kind, 'avro', compression), `${kind} ${compression}: compact ${compact.bytesOnLog} >= Avro ${bytes(kind, 'avro', compression)}`);
      }
    }
    assert.equal(result.variants.some((v) => v.kind === 'samples' && v.format === 'compact'), false);
    const compactInputs = 1 - (bytes('views', 'compact', 'lz4') + bytes('engagements', 'compact', 'lz4')) / (bytes('views', 'json', 'none') + bytes('engagements', 'json', 'none'));
    assert.equal(result.compactLz4Reduction.inputs, compactInputs);
    const after = await admin.listTopics();
    assert.deepEqual(after.filter((topic) => !before.has(topic)), []);
  });
});
