/**
 * The schema registry client over HTTPS with a CA of our own, against the
 * real local registry behind a real TLS server (test/helpers/tls.ts): the
 * given CA verifies; an unknown CA and a host name the certificate does not
 * carry fail at once (not retried for the 30 s an unanswering registry is).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LabeljoinError } from '../../../src/errors.js';
import { SchemaRegistryClient } from '../../../src/schema-registry/client.js';
import { runCli } from '../../helpers/cli.js';
import { uniqueSubject, useTestSchemaRegistry } from '../../helpers/schema-registry.js';
import { makeCa, serverCert, tlsFront } from '../../helpers/tls.js';

const SCHEMA = JSON.stringify({ type: 'record', name: 'TlsProbe', fields: [{ name: 'a', type: 'long' }] });

describe('the schema registry over HTTPS', () => {
  const registry = useTestSchemaRegistry();

  it('verifies the registry with the CA given; an unknown CA and a host name mismatch fail at once', async (t) => {
    const plain = new URL(registry.url());
    const ca = makeCa(t, 'registry');
    const port = await tlsFront(t, { host: plain.hostname, port: Number(plain.port) }, serverCert(ca, 'registry', 'IP:127.0.0.1'));
    const url = `https://127.0.0.1:${port}${plain.pathname}`;
    const tlsCa = readFileSync(ca.caFile);

    const client = new SchemaRegistryClient({ url, tlsCa });
    const subject = uniqueSubject('tls');
    const id = await client.register(subject, SCHEMA);
    assert.equal(JSON.parse(await new SchemaRegistryClient({ url, tlsCa }).getSchemaById(id)).name, 'TlsProbe');
    assert.ok((await client.subjects()).includes(subject));

    const began = Date.now();
    const refused = (pattern: RegExp) => (error: unknown): boolean => {
      assert.ok(error instanceof LabeljoinError);
      assert.equal(error.code, 'SCHEMA_REGISTRY_REQUEST_FAILED', error.message);
      assert.equal(error.retriable, false);
      assert.match(error.message, pattern);
      return true;
    };
    await assert.rejects(new SchemaRegistryClient({ url }).subjects(),
      refused(/^TLS with the schema registry at https:\/\/127\.0\.0\.1:\d+\/apis\/ccompat\/v7 failed: the registry's certificate is not signed by a trusted CA \([A-Z_]+\); give its CA with --schema-registry-ca-file$/));
    await assert.rejects(new SchemaRegistryClient({ url: url.replace('127.0.0.1', 'localhost'), tlsCa }).subjects(), refused(/does not name the host connected to \(ERR_TLS_CERT_ALTNAME_INVALID\)/));
    assert.ok(Date.now() - began < 5_000, `refused in ${Date.now() - began} ms, not retried`);

    // The command line: --schema-registry-ca-file reaches the client.
    const status = await runCli(['registry', 'status', '--schema-registry', url, '--schema-registry-ca-file', ca.caFile], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(status.code, 0, status.stderr);
    const without = await runCli(['registry', 'status', '--schema-registry', url], { LABELJOIN_LOG_LEVEL: 'warn' });
    assert.equal(without.code, 1, without.stderr);
    assert.match(without.stderr, /not signed by a trusted CA/);
  });
});
