/**
 * Secrets never leave: commands are run against a real SASL_SSL broker with a
 * known password (from the environment, as a user would give it) and with a
 * known wrong one, and the secret strings are looked for in everything a run
 * leaves behind: stdout and stderr (debug logs, JSON summaries, the failing
 * run's error), `--help`, the metrics endpoint's text, the dead-letter
 * records (headers, key, value) and the broker's log files.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KafkaProducer } from '../../../src/kafka/producer.js';
import { readTopicToEnd } from '../../../src/kafka/read-all.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { WINDOW_FLAGS } from '../../helpers/pipeline.js';
import { createSecuredPipeline, startSecuredBroker, type SecuredBroker } from '../../helpers/secured-broker.js';
import { waitFor } from '../../helpers/wait.js';

describe('secrets in a run against a secured broker', () => {
  let broker: SecuredBroker;
  before(async () => {
    broker = await startSecuredBroker('sasl_ssl');
  });
  after(async () => {
    await broker?.stop();
  });

  it('appear in no output, log, metric, help text or dead-letter record, whether the run works or fails', async (t) => {
    const secret = readFileSync(broker.client.saslPasswordFile ?? '', 'utf8').split('\n')[0]!;
    const wrong = `Wrong-${randomBytes(9).toString('hex')}`;
    const flags = ['--brokers', broker.bootstrap, '--security-protocol', 'sasl_ssl', '--tls-ca-file', broker.client.caFile, '--sasl-mechanism', 'SCRAM-SHA-512', '--sasl-username', 'labeljoin'];
    const env = { LABELJOIN_KAFKA_SASL_PASSWORD: secret, LABELJOIN_LOG_LEVEL: 'debug', LABELJOIN_LOG_FORMAT: 'json' };
    const seen: Array<[string, string]> = [['kafka start --json', broker.startOutput]];

    const p = await createSecuredPipeline(t, broker, 'secret-leak', 2);
    const topics = ['--views-topic', p.views, '--engagements-topic', p.engagements];
    const sim = await runCli(['simulate', ...flags, ...topics, ...WINDOW_FLAGS, '--truth', p.truth, '--views', '500', '--users', '50', '--posts', '40', '--seed', '20'], env);
    assert.equal(sim.code, 0, sim.stderr);
    seen.push(['simulate stdout', sim.stdout], ['simulate stderr', sim.stderr]);
    // Records the joiner must dead-letter: not Avro at all.
    const producer = new KafkaProducer(broker.connection(), { compression: 'lz4' });
    await producer.send([0, 1].map((partition) => ({ topic: p.views, partition, key: Buffer.from(`k${partition}`), value: Buffer.from(`not avro ${partition}`) })));
    await producer.close();

    const joiner = startCli(['join', ...flags, ...topics, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, ...WINDOW_FLAGS,
      '--group', p.group, '--state-dir', p.stateDir, '--metrics-port', '0', '--progress-every', '200ms'], env);
    t.after(() => joiner.kill('SIGKILL'));
    const endpoint = await joiner.waitForStderr(/"msg":"metrics endpoint"/, 60_000);
    assert.ok(endpoint !== undefined, `the joiner logs its metrics endpoint: ${joiner.stderr()}`);
    const url = (JSON.parse(endpoint) as { url: string }).url;
    const metrics = await waitFor(async () => {
      const text = await (await fetch(url)).text();
      return /labeljoin_join_dead_lettered_total\{[^}]*\} [1-9]/.test(text) && /labeljoin_join_samples_out_total\{[^}]*\} [1-9]/.test(text) ? text : undefined;
    }, { what: 'the metrics to show samples and dead letters', timeoutMs: 60_000, everyMs: 250 });
    seen.push(['metrics', metrics]);
    joiner.kill('SIGTERM');
    const joined = await joiner.done;
    assert.equal(joined.code, 0, joined.stderr);
    seen.push(['join stdout', joined.stdout], ['join stderr', joined.stderr]);

    let deadLetters = 0;
    await readTopicToEnd(broker.connection(), p.deadLetter, {
      onRecord: (r) => {
        deadLetters++;
        seen.push([`dead letter ${r.partition}@${r.offset}`, [r.key?.toString('latin1') ?? '', r.value?.toString('latin1') ?? '', ...r.headers.map(([k, v]) => `${k}=${v.toString('latin1')}`)].join('\n')]);
      },
    });
    assert.ok(deadLetters >= 2, `dead-letter records written: ${deadLetters}`);

    const failing = await runCli(['join', '--drain', ...flags, ...topics, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, '--group', `${p.group}-2`, '--metrics-port', 'off'],
      { ...env, LABELJOIN_KAFKA_SASL_PASSWORD: wrong });
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stderr, /refused the SASL authentication/);
    seen.push(['failing join stdout', failing.stdout], ['failing join stderr', failing.stderr]);

    for (const command of [['join'], ['simulate'], ['topics', 'list'], ['kafka', 'start']]) {
      const help = await runCli([...command, '--help'], env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /--sasl-password-file FILE/);
      seen.push([`${command.join(' ')} --help`, help.stdout + help.stderr]);
    }

    const logs = join(broker.dataDir, 'logs');
    for (const file of readdirSync(logs)) seen.push([`broker log ${file}`, readFileSync(join(logs, file), 'latin1')]);

    for (const [where, text] of seen) {
      assert.ok(!text.includes(secret), `the password appears in ${where}`);
      assert.ok(!text.includes(wrong), `the wrong password appears in ${where}`);
    }
    assert.ok(seen.length > 12, `looked in ${seen.length} places`);
  });
});
