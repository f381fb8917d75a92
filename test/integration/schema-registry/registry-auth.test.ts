/**
 * Basic auth with the schema registry, against the real local registry behind
 * a front that demands credentials (as a registry with basic auth enabled
 * does; the local Apicurio build runs without authentication): the right
 * credentials, from the URL or from the settings, reach it; wrong ones are one
 * clear refusal, not retried, and the password is in no message or output.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import { LabeljoinError } from '../../../src/errors.js';
import { SchemaRegistryClient } from '../../../src/schema-registry/client.js';
import { runCli } from '../../helpers/cli.js';
import { uniqueSubject, useTestSchemaRegistry } from '../../helpers/schema-registry.js';

const SCHEMA = JSON.stringify({ type: 'record', name: 'AuthProbe', fields: [{ name: 'a', type: 'long' }] });
const PASSWORD = 'reg-s3cret-pw';

/** An HTTP front to `target` that answers 401 unless the request carries Basic user:password. */
async function basicAuthFront(t: TestContext, target: URL, user: string, password: string): Promise<number> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="registry"' }).end('{"error_code":401,"message":"Unauthorized"}');
      return;
    }
    const upstream = request({ host: target.hostname, port: Number(target.port), path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('the schema registry with basic auth', () => {
  const registry = useTestSchemaRegistry();

  it('the right credentials reach it (URL or settings); wrong ones are refused once, clearly, with no password in the message', async (t) => {
    const plain = new URL(registry.url());
    const port = await basicAuthFront(t, plain, 'labeljoin', PASSWORD);
    const url = `http://127.0.0.1:${port}${plain.pathname}`;

    const subject = uniqueSubject('auth');
    const withOptions = new SchemaRegistryClient({ url, credentials: { username: 'labeljoin', password: PASSWORD } });
    const id = await withOptions.register(subject, SCHEMA);
    const inUrl = new SchemaRegistryClient({ url: `http://labeljoin:${PASSWORD}@127.0.0.1:${port}${plain.pathname}` });
    assert.equal(JSON.parse(await inUrl.getSchemaById(id)).name, 'AuthProbe');
    assert.ok(!inUrl.url.includes(PASSWORD), 'the client names the URL without its credentials');

    const began = Date.now();
    await assert.rejects(new SchemaRegistryClient({ url, credentials: { username: 'labeljoin', password: 'wrong-pw' } }).subjects(), (error: unknown) => {
      assert.ok(error instanceof LabeljoinError);
      assert.equal(error.code, 'SCHEMA_REGISTRY_REQUEST_FAILED');
      assert.equal(error.retriable, false);
      assert.match(error.message, /HTTP 401/);
      assert.ok(!error.message.includes('wrong-pw') && !error.message.includes(PASSWORD));
      return true;
    });
    assert.ok(Date.now() - began < 5_000, 'not retried');

    // The command line: the password from the environment, the user from a flag.
    const ok = await runCli(['registry', 'status', '--schema-registry', url, '--schema-registry-username', 'labeljoin'], { LABELJOIN_LOG_LEVEL: 'warn', LABELJOIN_SCHEMA_REGISTRY_PASSWORD: PASSWORD });
    assert.equal(ok.code, 0, ok.stderr);
    const refused = await runCli(['registry', 'status', '--schema-registry', url, '--schema-registry-username', 'labeljoin'], { LABELJOIN_LOG_LEVEL: 'debug', LABELJOIN_SCHEMA_REGISTRY_PASSWORD: 'wrong-pw' });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /401/);
    for (const text of [ok.stdout, ok.stderr, refused.stdout, refused.stderr]) assert.ok(!text.includes(PASSWORD) && !text.includes('wrong-pw'), text);
  });
});
