import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newClusterId } from '../../../src/kafka/local/broker.js';

describe('newClusterId', () => {
  it('never starts with "-" (the storage tool would read it as a flag)', () => {
    const queue = [Buffer.from([0xf8, ...Array<number>(15).fill(1)]), Buffer.from(Array<number>(16).fill(1))];
    const id = newClusterId(() => queue.shift()!);
    assert.equal(id, Buffer.from(Array<number>(16).fill(1)).toString('base64url'));
    assert.equal(id.length, 22);
  });
});
