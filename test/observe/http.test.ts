import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { hostOf, serve } from '../../src/observe/http.js';

function get(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/x', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the small HTTP server', () => {
  it('bound to loopback, answers only requests for a loopback host (no DNS rebinding)', async (t) => {
    const server = await serve('test', '127.0.0.1', 0, { '/x': () => ({ type: 'text/plain', body: 'ok' }) });
    t.after(() => server.close());
    assert.equal(server.exposed, false);
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, 'localhost', `[::1]:${server.port}`]) assert.equal(await get(server.port, host), 200, host);
    for (const host of [`evil.example:${server.port}`, 'rebind.attacker.test', `127.0.0.1.nip.io:${server.port}`]) assert.equal(await get(server.port, host), 421, host);
  });

  it('reads the host part of Host headers', () => {
    assert.equal(hostOf('LocalHost:9464'), 'localhost');
    assert.equal(hostOf('[::1]:80'), '[::1]');
    assert.equal(hostOf('127.0.0.1'), '127.0.0.1');
  });
});
