import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { SETTINGS, type SettingKey } from '../../src/config/settings.js';

function configFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'labeljoin-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  it('gives each flag to one setting (join, train and repartition share --progress-every, join and repartition --group; kafka start and registry start share --port and --data: each the local server of its command)', () => {
    const byFlag = new Map<string, SettingKey[]>();
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const flag = SETTINGS[key].flag;
      if (flag !== undefined) byFlag.set(flag, [...(byFlag.get(flag) ?? []), key]);
    }
    const shared = [...byFlag].filter(([, keys]) => keys.length > 1).map(([flag, keys]) => `${flag}: ${keys.join(', ')}`);
    assert.deepEqual(shared, ['port: local.port, registry.port', 'data: local.dataDir, registry.dataDir', 'group: join.groupId, repartition.groupId', 'progress-every: join.progressEveryMs, train.progressEveryMs, repartition.progressEveryMs']);
  });

  it('gives every default from the settings table', () => {
    const config = loadConfig();
    assert.deepEqual(config.kafka.brokers, SETTINGS['kafka.brokers'].default);
    assert.equal(config.topics.partitions, 8);
    assert.equal(config.kafka.compression, 'lz4');
  });

  it('applies file < environment < flag', () => {
    const file = configFile(JSON.stringify({ topics: { partitions: 4, views: 'v-file' }, kafka: { brokers: 'file:1' } }));
    const config = loadConfig({
      file,
      env: { LABELJOIN_PARTITIONS: '6', LABELJOIN_BROKERS: 'env:2' },
      flags: { brokers: 'flag:3,flag:4' },
    });
    assert.equal(config.topics.views, 'v-file');
    assert.equal(config.topics.partitions, 6);
    assert.deepEqual(config.kafka.brokers, ['flag:3', 'flag:4']);
  });

  it('names the setting and the source of a bad value', () => {
    assert.throws(() => loadConfig({ flags: { partitions: 'many' } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /topics\.partitions from flag --partitions/);
      return true;
    });
    assert.throws(() => loadConfig({ env: { LABELJOIN_BROKERS: 'nohost' } }), /kafka\.brokers from environment variable LABELJOIN_BROKERS/);
    assert.throws(() => loadConfig({ flags: { compression: 'brotli' } }), /expected one of none, gzip, snappy, lz4, zstd/);
    assert.throws(() => loadConfig({ flags: { 'views-topic': 'bad name!' } }), /not a valid Kafka topic name/);
  });

  it('rejects unknown keys and invalid JSON in the config file', () => {
    assert.throws(() => loadConfig({ file: configFile('{"topics": {"partitons": 3}}') }), /unknown setting "topics\.partitons"/);
    assert.throws(() => loadConfig({ file: configFile('{not json') }), /not valid JSON/);
    assert.throws(() => loadConfig({ file: '/nonexistent/labeljoin.json' }), /cannot read config file/);
  });

  it('resolves a declaration\'s relative schemaFile against the config file\'s directory (absolute ones stay)', () => {
    const declaration = (schemaFile: string) => ({ format: 'avro', schemaFile, fields: { user: '@key', item: 'post_id', time: '@timestamp' } });
    const file = configFile(JSON.stringify({ inputs: { views: declaration('view.avsc'), engagements: [{ ...declaration('/abs/e.avsc'), fields: { user: 'u', item: 'p', time: 't', type: 'k' } }] } }));
    const config = loadConfig({ file });
    const dir = file.slice(0, file.lastIndexOf('/'));
    assert.equal((config.inputs.views as { schemaFile: string }).schemaFile, join(dir, 'view.avsc'));
    assert.equal((config.inputs.engagements as ReadonlyArray<{ schemaFile: string }>)[0]!.schemaFile, '/abs/e.avsc');
  });

    it('accepts typed JSON values in the file', () => {
    const config = loadConfig({ file: configFile(JSON.stringify({ topics: { partitions: 3 }, kafka: { brokers: ['a:1', 'b:2'] } })) });
    assert.equal(config.topics.partitions, 3);
    assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
  });

  it('nests every setting by its dotted key, section.field', () => {
    const config: Readonly<Record<string, Readonly<Record<string, unknown>>>> = loadConfig();
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const [section, field, ...rest] = key.split('.');
      assert.equal(rest.length, 0, `${key} has more than one dot`);
      assert.deepEqual(config[section!]?.[field!], SETTINGS[key].default, key);
    }
    assert.equal(Object.values(config).reduce((n, s) => n + Object.keys(s).length, 0), Object.keys(SETTINGS).length);
  });

  it('a --duration replaces the number of views', () => {
    assert.equal(loadConfig().sim.views, 100_000);
    const config = loadConfig({ flags: { duration: '10s' } });
    assert.equal(config.sim.durationMs, 10_000);
    assert.equal(config.sim.views, undefined);
    assert.equal(loadConfig({ flags: { duration: '10s', views: '5' } }).sim.views, undefined);
  });
});
