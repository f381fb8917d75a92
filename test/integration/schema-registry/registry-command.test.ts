/**
 * `labeljoin registry start|status|stop --json` as a user runs them, on a free
 * port and a temporary data directory; then the client against the stopped
 * registry: a retriable error at once, the clear error after its deadline.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LabeljoinError } from '../../../src/errors.js';
import { freePort } from '../../../src/kafka/local/broker.js';
import { SchemaRegistryClient } from '../../../src/schema-registry/client.js';
import { SchemaRegistryUnavailableError } from '../../../src/schema-registry/errors.js';
import { jsonOutput, runCli } from '../../helpers/cli.js';
import { uniqueSubject } from '../../helpers/schema-registry.js';
import { testDir } from '../../helpers/tmp.js';

interface Started { started: boolean; url: string; pid: number; port: number; dataDir: string; apicurioVersion: string; log: string }
interface Status { running: boolean; answers: boolean; url?: string; pid?: number }
interface Stopped { stopped: boolean; url?: string; pid?: number }

// The test environment may name a shared registry; these commands are about the local one.
const LOCAL = { LABELJOIN_SCHEMA_REGISTRY_URL: '' };
const SCHEMA = JSON.stringify({ type: 'record', name: 'S', fields: [{ name: 'x', type: 'long' }] });

describe('labeljoin registry', () => {
  it('start, status, start again, stop, status: --json, exit codes, the log file', async (t) => {
    const data = testDir(t, 'registry-cli');
    const port = await freePort();
    const args = ['--port', String(port), '--data', data, '--json'];
    let stopped = false;
    t.after(async () => {
      if (!stopped) await runCli(['registry', 'stop', '--data', data], LOCAL);
    });

    const start = await runCli(['registry', 'start', ...args], LOCAL);
    assert.equal(start.code, 0, start.stderr);
    const s = jsonOutput<Started>(start, 'registry start');
    assert.equal(s.started, true);
    assert.equal(s.url, `http://127.0.0.1:${port}/apis/ccompat/v7`);
    assert.ok(existsSync(s.log), 'the registry writes its log into the data directory');

    const status = await runCli(['registry', 'status', ...args], LOCAL);
    assert.equal(status.code, 0, status.stderr);
    const st = jsonOutput<Status>(status, 'registry status');
    assert.deepEqual([st.running, st.answers, st.url, st.pid], [true, true, s.url, s.pid]);

    const again = await runCli(['registry', 'start', ...args], LOCAL);
    assert.equal(again.code, 0, again.stderr);
    const a = jsonOutput<Started>(again, 'registry start');
    assert.deepEqual([a.started, a.pid], [false, s.pid]);

    const client = new SchemaRegistryClient({ url: s.url, retryTimeoutMs: 0 });
    assert.ok(Number.isInteger(await client.register(uniqueSubject('cli'), SCHEMA)));

    const stop = await runCli(['registry', 'stop', '--data', data, '--json'], LOCAL);
    assert.equal(stop.code, 0, stop.stderr);
    assert.deepEqual(jsonOutput<Stopped>(stop, 'registry stop'), { stopped: true, url: s.url, pid: s.pid, dataDir: data });
    stopped = true;

    const after = await runCli(['registry', 'status', ...args], LOCAL);
    assert.equal(after.code, 1);
    assert.equal(jsonOutput<Status>(after, 'registry status').running, false);
    const stopAgain = await runCli(['registry', 'stop', '--data', data, '--json'], LOCAL);
    assert.equal(stopAgain.code, 0);
    assert.equal(jsonOutput<Stopped>(stopAgain, 'registry stop').stopped, false);

    // The registry is down now: at once a retriable error; with retries, the clear error once the deadline passed.
    await assert.rejects(new SchemaRegistryClient({ url: s.url, retryTimeoutMs: 0 }).getSchemaById(1), (e: unknown) => e instanceof SchemaRegistryUnavailableError && e.retriable);
    const began = Date.now();
    await assert.rejects(new SchemaRegistryClient({ url: s.url, retryTimeoutMs: 1_500 }).getSchemaById(1), (e: unknown) => {
      assert.ok(e instanceof LabeljoinError);
      assert.equal(e.code, 'SCHEMA_REGISTRY_UNAVAILABLE');
      assert.equal(e.retriable, false);
      assert.match(e.message, /^gave up after \d+ s of failures in fetching schema 1: the schema registry at .* did not answer/);
      return true;
    });
    assert.ok(Date.now() - began >= 1_500, 'retried until the deadline');
  });

  it('misuse: an unknown flag, stopping an external registry (exit 2, one line)', async () => {
    const bad = await runCli(['registry', 'start', '--bogus'], LOCAL);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^labeljoin: unknown option '--bogus' \(see: labeljoin registry start --help\)\n$/);
    const external = await runCli(['registry', 'stop', '--schema-registry', 'http://127.0.0.1:1/apis/ccompat/v7'], LOCAL);
    assert.equal(external.code, 2);
    assert.match(external.stdout, /labeljoin only stops registries it started/);
    const badUrl = await runCli(['registry', 'status', '--schema-registry', 'not a url'], LOCAL);
    assert.equal(badUrl.code, 2);
    assert.equal(badUrl.stderr.split('\n').filter((l) => l !== '').length, 1);
  });
});
