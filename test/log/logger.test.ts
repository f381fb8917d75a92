import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log/logger.js';

describe('createLogger', () => {
  const at = Date.UTC(2026, 10, 21, 12, 0, 1, 234);

  it('writes one JSON object per line with the component path', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', write: (l) => lines.push(l), now: () => at }).child('join').child('index');
    log.info('expired', { entries: 12, offset: 5n });
    log.debug('hidden');
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0]!), {
      level: 'info',
      time: '2026-11-21T12:00:01.234Z',
      component: 'join.index',
      msg: 'expired',
      entries: 12,
      offset: '5',
    });
  });

  it('prints a readable line in pretty mode', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format: 'pretty', component: 'kafka', write: (l) => lines.push(l), now: () => at });
    log.warn('slow commit', { ms: 120, topic: 'views' });
    assert.equal(lines[0], '12:00:01.234 WARN  kafka        slow commit ms=120 topic=views\n');
  });
});
