/**
 * SchemaRegistryClient without a JVM: a small HTTP server of the test answers
 * as a Confluent-compatible registry would (or fails), and a closed port plays
 * a registry that is down. The real registry: test/integration/schema-registry/.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { SETTINGS } from '../../src/config/settings.js';
import { LabeljoinError } from '../../src/errors.js';
import { freePort } from '../../src/kafka/local/broker.js';
import { SchemaRegistryClient, splitCredentials } from '../../src/schema-registry/client.js';
import { SchemaNotFoundError, SchemaRegistryRequestError, SchemaRegistryUnavailableError, SubjectNotFoundError } from '../../src/schema-registry/errors.js';
import { registryClientOptions } from '../../src/schema-registry/settings.js';
import { ManualClock } from '../../src/time/clock.js';
import { testDir } from '../helpers/tmp.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

async function fakeRegistry(t: TestContext, handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/apis/ccompat/v7`, seen };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
  res.end(JSON.stringify(body));
}

const SCHEMA = '{"type":"record","name":"A","fields":[{"name":"x","type":"long"}]}';

describe('SchemaRegistryClient', () => {
  it('fetches a schema by id once, then serves it from its cache', async (t) => {
    const fake = await fakeRegistry(t, (_req, res) => reply(res, 200, { schema: SCHEMA }));
    const client = new SchemaRegistryClient({ url: fake.url });
    assert.equal(await client.getSchemaById(7), SCHEMA);
    assert.equal(await client.getSchemaById(7), SCHEMA);
    assert.deepEqual(fake.seen.map((s) => `${s.method} ${s.url}`), ['GET /apis/ccompat/v7/schemas/ids/7']);
  });

  it('registers under a subject, caches the id, and knows the schema by that id without asking', async (t) => {
    const fake = await fakeRegistry(t, (_req, res) => reply(res, 200, { id: 3 }));
    const client = new SchemaRegistryClient({ url: `${fake.url}/` });
    assert.equal(await client.register('samples-value', SCHEMA), 3);
    assert.equal(await client.register('samples-value', SCHEMA), 3);
    assert.equal(await client.getSchemaById(3), SCHEMA);
    assert.equal(fake.seen.length, 1);
    assert.equal(fake.seen[0]!.url, '/apis/ccompat/v7/subjects/samples-value/versions');
    assert.deepEqual(JSON.parse(fake.seen[0]!.body), { schema: SCHEMA, schemaType: 'AVRO' });
  });

  it('maps 404s to SchemaNotFoundError and SubjectNotFoundError, neither retriable', async (t) => {
    const fake = await fakeRegistry(t, (req, res) =>
      req.url.includes('/schemas/ids/') ? reply(res, 404, { error_code: 40403, message: 'Schema 99 not found' }) : reply(res, 404, { error_code: 40401, message: 'Subject not found' }),
    );
    const client = new SchemaRegistryClient({ url: fake.url });
    await assert.rejects(client.getSchemaById(99), (e: unknown) => e instanceof SchemaNotFoundError && e.code === 'SCHEMA_NOT_FOUND' && !e.retriable && e.schemaId === 99);
    await assert.rejects(client.latestVersion('nope'), (e: unknown) => e instanceof SubjectNotFoundError && e.code === 'SUBJECT_NOT_FOUND' && !e.retriable);
    // A failed lookup is not cached: the id is asked for again.
    await assert.rejects(client.getSchemaById(99), SchemaNotFoundError);
    assert.equal(fake.seen.filter((s) => s.url.endsWith('/99')).length, 2);
  });

  it('a 404 without a registry error code (a URL that is not the API) is a request error, not an unknown id', async (t) => {
    const fake = await fakeRegistry(t, (_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html>Not Found</html>');
    });
    const client = new SchemaRegistryClient({ url: fake.url });
    await assert.rejects(client.getSchemaById(1), (e: unknown) => e instanceof SchemaRegistryRequestError && /HTTP 404/.test(e.message));
  });

  it('reports a refused request with the status and the registry\'s message, not retriable', async (t) => {
    const fake = await fakeRegistry(t, (_req, res) => reply(res, 409, { error_code: 409, message: 'incompatible with an earlier schema' }));
    const client = new SchemaRegistryClient({ url: fake.url });
    await assert.rejects(client.register('s', SCHEMA), (e: unknown) => {
      assert.ok(e instanceof SchemaRegistryRequestError);
      assert.equal(e.retriable, false);
      assert.match(e.message, /registering a schema under subject "s": the schema registry answered HTTP 409: incompatible/);
      return true;
    });
  });

  it('sends credentials as Basic auth and never puts them in a message', async (t) => {
    const fake = await fakeRegistry(t, (_req, res) => reply(res, 401, { error_code: 401, message: 'Unauthorized' }));
    const withCreds = fake.url.replace('http://', 'http://alice:s3cret-pw@');
    const client = new SchemaRegistryClient({ url: withCreds });
    assert.equal(client.url, fake.url);
    await assert.rejects(client.getSchemaById(1), (e: unknown) => e instanceof SchemaRegistryRequestError && !e.message.includes('s3cret') && !e.message.includes('alice'));
    assert.equal(fake.seen[0]!.authorization, `Basic ${Buffer.from('alice:s3cret-pw').toString('base64')}`);

    const down = `http://bob:other-pw@127.0.0.1:${await freePort()}/apis/ccompat/v7`;
    const unreachable = new SchemaRegistryClient({ url: down, retryTimeoutMs: 0 });
    await assert.rejects(unreachable.getSchemaById(1), (e: unknown) => e instanceof SchemaRegistryUnavailableError && !JSON.stringify(e.toJSON()).includes('other-pw'));
    assert.throws(() => splitCredentials('http://x:pw@[bad'), (e: unknown) => e instanceof ConfigError && !e.message.includes('pw'));
  });

  it('treats HTTP 5xx as unavailable (retriable) and goes on once the registry answers again', async (t) => {
    let calls = 0;
    const fake = await fakeRegistry(t, (_req, res) => (++calls <= 2 ? reply(res, 503, { message: 'starting' }) : reply(res, 200, { schema: SCHEMA })));
    const clock = new ManualClock(0);
    const client = new SchemaRegistryClient({ url: fake.url, retryTimeoutMs: 10_000, clock });
    assert.equal(await client.getSchemaById(1), SCHEMA);
    assert.equal(calls, 3);
    assert.equal(clock.now(), 250 + 500, 'waited 0.25 s, then 0.5 s');
  });

  it('a registry that is down: retriable error at once without retries; with retries, the clear error after the deadline', async () => {
    const url = `http://127.0.0.1:${await freePort()}/apis/ccompat/v7`;
    await assert.rejects(new SchemaRegistryClient({ url, retryTimeoutMs: 0 }).getSchemaById(1), (e: unknown) => {
      assert.ok(e instanceof SchemaRegistryUnavailableError);
      assert.equal(e.retriable, true);
      assert.match(e.message, /the schema registry at http:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7 did not answer: ECONNREFUSED/);
      return true;
    });
    const clock = new ManualClock(0);
    await assert.rejects(new SchemaRegistryClient({ url, retryTimeoutMs: 20_000, clock }).getSchemaById(1), (e: unknown) => {
      assert.ok(e instanceof LabeljoinError);
      assert.equal(e.code, 'SCHEMA_REGISTRY_UNAVAILABLE');
      assert.equal(e.retriable, false, 'the deadline passed: retrying is over');
      assert.match(e.message, /^gave up after 2\d s of failures in fetching schema 1: the schema registry at .* did not answer: ECONNREFUSED/);
      return true;
    });
    assert.ok(clock.now() > 20_000 && clock.now() < 30_000, `gave up at ${clock.now()} ms`);
  });
});

describe('registry settings', () => {
  it('has no flag for the password', () => {
    assert.equal(SETTINGS['registry.password'].flag, undefined);
    assert.equal(SETTINGS['registry.url'].flag, 'schema-registry');
    assert.equal(SETTINGS['registry.url'].env, 'LABELJOIN_SCHEMA_REGISTRY_URL');
  });

  it('reads the password from the environment or from the first line of a file', (t) => {
    const env = { LABELJOIN_SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7', LABELJOIN_SCHEMA_REGISTRY_USERNAME: 'alice' };
    const fromEnv = registryClientOptions(loadConfig({ env: { ...env, LABELJOIN_SCHEMA_REGISTRY_PASSWORD: 'pw1' } }).registry);
    assert.deepEqual(fromEnv.credentials, { username: 'alice', password: 'pw1' });
    const file = join(testDir(t, 'registry-pw'), 'pw');
    writeFileSync(file, 'pw2\n');
    const fromFile = registryClientOptions(loadConfig({ env, flags: { 'schema-registry-password-file': file } }).registry);
    assert.deepEqual(fromFile.credentials, { username: 'alice', password: 'pw2' });
    assert.throws(() => registryClientOptions(loadConfig({ env }).registry), /user name is set but no password/);
    assert.throws(() => registryClientOptions(loadConfig({}).registry), /no schema registry is configured/);
  });

  it('refuses a malformed URL without echoing it', () => {
    assert.throws(() => loadConfig({ flags: { 'schema-registry': 'ftp://u:hunter2@x' } }), (e: unknown) => e instanceof Error && !e.message.includes('hunter2') && /registry\.url/.test(e.message));
  });
});
