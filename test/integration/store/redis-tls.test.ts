/**
 * The trainer's Redis store over TLS (rediss://) with a password that is not
 * in the URL, against a real redis-server behind a real TLS server
 * (test/helpers/tls.ts): the given CA verifies, an unknown CA and a host name
 * the certificate does not carry fail at once and clearly (STORE_FAILED, not
 * retriable), and `labeljoin train --store redis` takes the password from
 * LABELJOIN_REDIS_PASSWORD or --redis-password-file and never shows it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Secret } from '../../../src/config/secret.js';
import { LabeljoinError } from '../../../src/errors.js';
import { RedisModelStore } from '../../../src/store/redis-model-store.js';
import { runCli } from '../../helpers/cli.js';
import { createTestTopics, testBrokers, uniqueTopic } from '../../helpers/kafka.js';
import { startRedis } from '../../helpers/redis.js';
import { testDir } from '../../helpers/tmp.js';
import { makeCa, serverCert, tlsFront } from '../../helpers/tls.js';

const SECRET = 'redis-s3cret-not-in-the-output';

function refusedAtOnce(pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof LabeljoinError);
    assert.equal(error.code, 'STORE_FAILED', error.message);
    assert.equal(error.retriable, false);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes(SECRET));
    return true;
  };
}

describe('Redis over TLS with a password', () => {
  it('connects with the CA; an unknown CA and a host name mismatch fail at once', async (t) => {
    const plain = new URL(await startRedis(t, SECRET));
    const ca = makeCa(t, 'redis');
    const port = await tlsFront(t, { host: plain.hostname, port: Number(plain.port) }, serverCert(ca, 'redis', 'IP:127.0.0.1'));
    const url = `rediss://127.0.0.1:${port}`;
    const tlsCa = readFileSync(ca.caFile);

    const store = await RedisModelStore.open({ url, model: 'm', topic: 't', password: new Secret(SECRET), tlsCa });
    try {
      assert.deepEqual(await store.readOffsets([0]), new Map());
    } finally {
      await store.close();
    }

    const began = Date.now();
    await assert.rejects(RedisModelStore.open({ url, model: 'm', topic: 't', password: new Secret(SECRET) }),
      refusedAtOnce(/^model store failed during TLS with rediss:\/\/127\.0\.0\.1:\d+: the Redis server's certificate is not signed by a trusted CA \([A-Z_]+\); give its CA with --redis-tls-ca-file$/));
    await assert.rejects(RedisModelStore.open({ url: `rediss://localhost:${port}`, model: 'm', topic: 't', password: new Secret(SECRET), tlsCa }),
      refusedAtOnce(/the Redis server's certificate does not name the host connected to \(ERR_TLS_CERT_ALTNAME_INVALID\)/));
    await assert.rejects(RedisModelStore.open({ url, model: 'm', topic: 't', password: new Secret(`${SECRET}-wrong`), tlsCa }), refusedAtOnce(/Redis refused it/));
    assert.ok(Date.now() - began < 10_000, `three refusals in ${Date.now() - began} ms: no retry storm`);
  });

  it('train --store redis takes the password from the environment or a file, and never shows it', async (t) => {
    const plain = new URL(await startRedis(t, SECRET));
    const ca = makeCa(t, 'redis-train');
    const port = await tlsFront(t, { host: plain.hostname, port: Number(plain.port) }, serverCert(ca, 'redis', 'IP:127.0.0.1'));
    const samples = uniqueTopic('redis-tls-samples');
    const deadLetter = `${samples}-dlq`;
    await createTestTopics(t, [samples, deadLetter].map((name) => ({ name, partitions: 2, replicationFactor: 1 })));
    const passwordFile = join(testDir(t, 'redis-password'), 'pw');
    writeFileSync(passwordFile, `${SECRET}\n`, { mode: 0o600 });
    const args = ['train', '--drain', '--json', '--brokers', testBrokers().join(','), '--samples-topic', samples, '--dead-letter-topic', deadLetter,
      '--store', 'redis', '--redis-url', `rediss://127.0.0.1:${port}`, '--redis-tls-ca-file', ca.caFile, '--metrics-port', 'off'];
    const runs = [
      await runCli(args, { LABELJOIN_LOG_LEVEL: 'debug', LABELJOIN_REDIS_PASSWORD: SECRET }),
      await runCli([...args, '--redis-password-file', passwordFile], { LABELJOIN_LOG_LEVEL: 'debug' }),
    ];
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const wrong = await runCli(args, { LABELJOIN_LOG_LEVEL: 'warn', LABELJOIN_REDIS_PASSWORD: `${SECRET}-wrong` });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /^labeljoin: model store failed during connect to rediss:\/\/127\.0\.0\.1:\d+ \(Redis refused it\): WRONGPASS/);
    const help = await runCli(['train', '--help'], { LABELJOIN_REDIS_PASSWORD: SECRET });
    for (const r of [...runs, wrong, help]) assert.ok(!`${r.stdout}${r.stderr}`.includes(SECRET), `the password is not in:\n${r.stdout}${r.stderr}`);
  });
});
