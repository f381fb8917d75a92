import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthzReply, readyzReply, type HealthSource } from '../../src/observe/health.js';

const source = (last: number | undefined, why: string | undefined): HealthSource => ({ lastTurnAt: () => last, notReady: () => why });
const status = (r: { status?: number }): number => r.status ?? 200;

describe('probes', () => {
  it('/healthz: 503 before the loop starts and once it has not turned within the timeout, 200 between', () => {
    assert.equal(status(healthzReply(undefined, 1_000, 60_000)), 503);
    assert.equal(status(healthzReply(source(undefined, undefined), 1_000, 60_000)), 503);
    const ok = healthzReply(source(1_000, undefined), 61_000, 60_000);
    assert.equal(status(ok), 200);
    assert.deepEqual(JSON.parse(String(ok.body)), { status: 'ok', lastTurnMsAgo: 60_000 });
    const stuck = healthzReply(source(1_000, undefined), 61_001, 60_000);
    assert.equal(status(stuck), 503);
    assert.match(String(stuck.body), /last turned 60001 ms ago/);
  });

  it('/readyz: 503 with the reason until the source is ready', () => {
    assert.equal(status(readyzReply(undefined)), 503);
    const waiting = readyzReply(source(5, 'positioning partitions 3'));
    assert.equal(status(waiting), 503);
    assert.equal(JSON.parse(String(waiting.body)).reason, 'positioning partitions 3');
    assert.equal(status(readyzReply(source(5, undefined))), 200);
  });
});
