/**
 * SchemaRegistryClient against a real schema registry (Apicurio, started by
 * test/helpers/schema-registry.ts unless LABELJOIN_TEST_SCHEMA_REGISTRY names one).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confluentHeader, readConfluentId } from '../../../src/codec/confluent-framing.js';
import { SchemaRegistryClient } from '../../../src/schema-registry/client.js';
import { SchemaNotFoundError, SubjectNotFoundError } from '../../../src/schema-registry/errors.js';
import { uniqueSubject, useTestSchemaRegistry } from '../../helpers/schema-registry.js';

const V1 = JSON.stringify({ type: 'record', name: 'View', namespace: 'test', fields: [{ name: 'user_id', type: 'long' }] });
const V2 = JSON.stringify({
  type: 'record',
  name: 'View',
  namespace: 'test',
  fields: [{ name: 'user_id', type: 'long' }, { name: 'country', type: 'string', default: '' }],
});

describe('SchemaRegistryClient on a real registry', () => {
  const registry = useTestSchemaRegistry();

  it('registers a schema, then a fresh client reads it back by id', async () => {
    const subject = uniqueSubject('views');
    const id = await new SchemaRegistryClient({ url: registry.url(), retryTimeoutMs: 0 }).register(subject, V1);
    assert.ok(Number.isInteger(id) && id >= 0);
    const reader = new SchemaRegistryClient({ url: registry.url(), retryTimeoutMs: 0 });
    assert.deepEqual(JSON.parse(await reader.getSchemaById(id)), JSON.parse(V1));
    // The id travels in the record's header and back.
    assert.equal(readConfluentId(Buffer.concat([confluentHeader(id), Buffer.from([0x02])])), id);
  });

  it('gives the same id for the same schema and follows the subject\'s newest version', async () => {
    const subject = uniqueSubject('evolve');
    const client = new SchemaRegistryClient({ url: registry.url(), retryTimeoutMs: 0 });
    const first = await client.register(subject, V1);
    assert.equal(await new SchemaRegistryClient({ url: registry.url() }).register(subject, V1), first, 'registering again finds the same schema');
    const second = await client.register(subject, V2);
    assert.notEqual(second, first);
    const latest = await client.latestVersion(subject);
    assert.equal(latest.subject, subject);
    assert.equal(latest.version, 2);
    assert.equal(latest.id, second);
    assert.deepEqual(JSON.parse(latest.schema), JSON.parse(V2));
    assert.ok((await client.subjects()).includes(subject));
  });

  it('an id the registry does not know is SchemaNotFoundError, not retriable; so is a subject with no version', async () => {
    const client = new SchemaRegistryClient({ url: registry.url(), retryTimeoutMs: 5_000 });
    const began = Date.now();
    await assert.rejects(client.getSchemaById(2_000_000_000), (e: unknown) => e instanceof SchemaNotFoundError && e.code === 'SCHEMA_NOT_FOUND' && !e.retriable);
    assert.ok(Date.now() - began < 2_000, 'not retried');
    await assert.rejects(client.latestVersion(uniqueSubject('none')), SubjectNotFoundError);
  });
});
