import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderServerProperties } from '../../../src/kafka/local/properties.js';

describe('renderServerProperties', () => {
  it('binds both listeners to 127.0.0.1 and runs broker and controller in one node', () => {
    const text = renderServerProperties({ port: 19092, controllerPort: 19093, logDir: '/data/kraft' });
    assert.match(text, /^process\.roles=broker,controller$/m);
    assert.match(text, /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:19092,CONTROLLER:\/\/127\.0\.0\.1:19093$/m);
    assert.match(text, /^advertised\.listeners=PLAINTEXT:\/\/127\.0\.0\.1:19092$/m);
    assert.match(text, /^transaction\.state\.log\.replication\.factor=1$/m);
    assert.match(text, /^log\.dirs=\/data\/kraft$/m);
  });
});
