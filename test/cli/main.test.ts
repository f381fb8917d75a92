import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

describe('labeljoin CLI', () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const command of ['kafka start', 'kafka status', 'kafka stop', 'topics create']) assert.match(r.stdout, new RegExp(command));
  });

  it('a command --help shows its flags with defaults', async () => {
    const r = await runCli(['topics', 'create', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--partitions N\s+.*\(default: 8; env LABELJOIN_PARTITIONS\)/);
    assert.match(r.stdout, /--brokers HOST:PORT/);
  });

  it('an unknown command is a one-line error with exit code 2', async () => {
    const r = await runCli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'labeljoin: unknown command "frobnicate" (see: labeljoin --help)\n');
  });

  it('an unknown flag is a one-line error with exit code 2', async () => {
    const r = await runCli(['kafka', 'start', '--prot', '9092']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /unknown option '--prot'/);
  });

  it('a bad flag value names the setting, exit code 2', async () => {
    const r = await runCli(['topics', 'create', '--partitions', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^labeljoin: invalid topics\.partitions from flag --partitions: expected a number from 1 to 10000, got 0\n$/);
  });

  it('join --exactly-once without --instance-id is refused before any connection, exit code 2', async () => {
    const r = await runCli(['join', '--exactly-once', '--brokers', '127.0.0.1:1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^labeljoin: --exactly-once needs --instance-id: .*\n$/);
  });

  it('an unreachable cluster is a one-line error with exit code 1', async () => {
    const r = await runCli(['topics', 'list', '--brokers', '127.0.0.1:1'], { LABELJOIN_LOG_LEVEL: 'error' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^labeljoin: no Kafka broker answered at 127\.0\.0\.1:1/);
  });
});
