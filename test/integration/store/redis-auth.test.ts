/**
 * The trainer's Redis store against a real redis-server that requires a
 * password: a wrong or missing password is one clear, not retriable error
 * that says Redis refused it (not "no Redis answered"), and no message shows
 * the password; the right one connects.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabeljoinError } from '../../../src/errors.js';
import { RedisModelStore } from '../../../src/store/redis-model-store.js';
import { startRedis } from '../../helpers/redis.js';

const SECRET = 'n0t-in-any-message-7f3a';

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.username = 'default';
  u.password = password;
  return u.toString();
}

describe('Redis with a password', () => {
  it('refused passwords fail at once and clearly, and never show the password', async (t) => {
    const url = await startRedis(t, SECRET);
    for (const [what, given] of [['a wrong password', withPassword(url, `${SECRET}-wrong`)], ['no password', url]] as const) {
      const started = Date.now();
      await assert.rejects(RedisModelStore.open({ url: given, model: 'm', topic: 't' }), (error: unknown) => {
        assert.ok(error instanceof LabeljoinError, what);
        assert.equal(error.code, 'STORE_FAILED', `${what}: ${error.message}`);
        assert.equal(error.retriable, false, what);
        assert.match(error.message, /Redis refused it/);
        assert.doesNotMatch(error.message, /no Redis answered/);
        assert.ok(!error.message.includes(SECRET) && !JSON.stringify(error.toJSON()).includes(SECRET), `${what}: the password is not in ${error.message}`);
        return true;
      });
      assert.ok(Date.now() - started < 10_000, `${what}: no retry storm`);
    }
    // Closed here, not in an after hook: those run in order, and the server's (registered first) would stop it before.
    const store = await RedisModelStore.open({ url: withPassword(url, SECRET), model: 'm', topic: 't' });
    try {
      assert.deepEqual(await store.readOffsets([0]), new Map());
    } finally {
      await store.close();
    }
  });
});
