/**
 * A real Redis for the trainer's tests: Debian's redis-server, started on a
 * free loopback port with its data in a temporary directory, no persistence,
 * stopped when the test ends. `.ci/run` installs the package.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { testDir } from './tmp.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server for this test; returns its URL. */
export async function startRedis(t: TestContext): Promise<string> {
  if (spawnSync('redis-server', ['--version']).error !== undefined) {
    throw new Error('redis-server is not installed (Debian: apt-get install redis-server); the trainer tests need a real Redis');
  }
  const port = await freePort();
  const dir = testDir(t, 'redis');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return `redis://127.0.0.1:${port}`;
}
