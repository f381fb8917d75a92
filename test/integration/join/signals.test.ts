/**
 * SIGTERM ends a live joiner cleanly however it was started: node directly,
 * `npx labeljoin`, `npm exec -- labeljoin`. Under npm the signal ends npm and
 * its shell but not node (src/cli/parent-watch.ts): the joiner must notice and
 * stop as on SIGTERM, committing and printing its summary.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../../../src/kafka/local/broker.js';
import { packageRoot } from '../../../src/paths.js';
import { createPipeline, runSimulate, WINDOW_FLAGS, type TestPipeline } from '../../helpers/pipeline.js';
import { waitFor } from '../../helpers/wait.js';

const LAUNCHERS: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['node directly', process.execPath, [join(packageRoot(), 'build', 'src', 'cli', 'main.js')]],
  ['npx', 'npx', ['--no-install', 'labeljoin']],
  ['npm exec', 'npm', ['exec', '--no', '--', 'labeljoin']],
];

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

describe('SIGTERM however the joiner is started', () => {
  for (const [name, command, prefix] of LAUNCHERS) {
    it(`${name}: SIGTERM to the process started ends the joiner cleanly (commit, summary)`, async (t) => {
      const p: TestPipeline = await createPipeline(t, `signals-${name.split(' ')[0]}`, 2);
      await runSimulate(p, ['--views', '200', '--users', '30', '--posts', '20', '--seed', '5']);
      const port = await freePort();
      const args = [...prefix, 'join', '--json', ...p.inputArgs, '--samples-topic', p.samples, '--dead-letter-topic', p.deadLetter, ...WINDOW_FLAGS, '--group', p.group, '--state-dir', p.stateDir, '--metrics-port', String(port), '--idle-timeout', '1s'];
      const child = spawn(command, args, { cwd: packageRoot(), env: { ...process.env, LABELJOIN_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      // 'close' comes once every holder of the pipes ended: the joiner too, not only the process we started.
      const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
      t.after(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      await waitFor(() => ready(port), { what: `the joiner started by ${name} to be ready`, timeoutMs: 90_000, detail: () => stderr.slice(-300) });
      child.kill('SIGTERM');
      await waitFor(async () => (await Promise.race([closed.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 200))])) || undefined, {
        what: `the joiner started by ${name} to end after SIGTERM`,
        timeoutMs: 30_000,
        detail: () => stderr.slice(-300),
      });
      const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { command?: string; drained?: boolean; counters?: { commits: number } };
      assert.equal(summary.command, 'join', `a summary on stdout: ${stdout.slice(-300)} ${stderr.slice(-300)}`);
      assert.equal(summary.drained, false);
      assert.equal(await ready(port), false, 'its metrics port is closed');
    });
  }
});
