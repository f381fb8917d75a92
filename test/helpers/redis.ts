/**
 * A real Redis for the trainer's tests: Debian's redis-server, started on a
 * free loopback port with its data in a temporary directory, no persistence,
 * stopped when the test ends. `.ci/run` installs the package.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';
import { testDir } from './tmp.js';
import { waitFor } from './wait.js';

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

/** Starts redis-server for this test (with `password`: it requires it); returns its URL (without the password). */
export async function startRedis(t: TestContext, password?: string): Promise<string> {
  if (spawnSync('redis-server', ['--version']).error !== undefined) {
    throw new Error('redis-server is not installed (Debian: apt-get install redis-server); the trainer tests need a real Redis');
  }
  const port = await freePort();
  const dir = testDir(t, 'redis');
  const auth = password === undefined ? [] : ['--requirepass', password];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...auth], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode}) instead of starting on port ${port}: ${output}`);
    return /Ready to accept connections/.test(output);
  }, { what: `redis-server to accept connections on port ${port}`, timeoutMs: 10_000, everyMs: 50, detail: () => output });
  return `redis://127.0.0.1:${port}`;
}
