/**
 * /healthz and /readyz of a live joiner and trainer, as Kubernetes would
 * probe them: ready once their partitions are positioned, healthy while
 * their loop turns; SIGTERM still ends them cleanly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../../../src/kafka/local/broker.js';
import { startCli } from '../../helpers/cli.js';
import { createPipeline, runSimulate, WINDOW_FLAGS } from '../../helpers/pipeline.js';
import { waitFor } from '../../helpers/wait.js';

async function probe(url: string): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const r = await fetch(url);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  } catch {
    return undefined; // not listening yet
  }
}

describe('health probes on the metrics port', () => {
  it('a live joiner and trainer answer /readyz once positioned and /healthz while their loop turns', async (t) => {
    const p = await createPipeline(t, 'probes', 4);
    await runSimulate(p, ['--views', '400', '--users', '50', '--posts', '40', '--seed', '3']);
    const [joinPort, trainPort] = [await freePort(), await freePort()];
    // Live (no --drain: startJoin's joiner drains and ends, and a probe that comes after its end finds nothing).
    const joiner = startCli(['join', ...p.inputArgs, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, ...WINDOW_FLAGS, '--group', p.group, '--state-dir', p.stateDir, '--metrics-port', String(joinPort), '--idle-timeout', '1s'], { LABELJOIN_LOG_LEVEL: 'warn' });
    t.after(() => joiner.kill('SIGKILL'));
    const ready = await waitFor(async () => {
      const r = await probe(`http://127.0.0.1:${joinPort}/readyz`);
      return r?.status === 200 ? r : undefined;
    }, { what: 'the joiner to be ready', timeoutMs: 60_000, detail: () => joiner.stderr().slice(-300) });
    assert.deepEqual(ready.body, { status: 'ready' });
    const healthy = await probe(`http://127.0.0.1:${joinPort}/healthz`);
    assert.equal(healthy?.status, 200);
    assert.equal(healthy?.body['status'], 'ok');
    assert.ok(typeof healthy?.body['lastTurnMsAgo'] === 'number' && healthy.body['lastTurnMsAgo'] < 60_000);

    const trainer = startCli(['train', '--brokers', p.inputArgs[1]!, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, '--model-dir', `${p.stateDir}-model`, '--metrics-port', String(trainPort)], { LABELJOIN_LOG_LEVEL: 'warn' });
    t.after(() => trainer.kill('SIGKILL'));
    await waitFor(async () => (await probe(`http://127.0.0.1:${trainPort}/readyz`))?.status === 200, { what: 'the trainer to be ready', timeoutMs: 60_000, detail: () => trainer.stderr().slice(-300) });
    assert.equal((await probe(`http://127.0.0.1:${trainPort}/healthz`))?.status, 200);

    for (const [name, proc] of [['joiner', joiner], ['trainer', trainer]] as const) {
      proc.kill('SIGTERM');
      const r = await proc.done;
      assert.equal(r.code, 0, `${name}: ${r.stderr.slice(-400)}`);
    }
  });
});
