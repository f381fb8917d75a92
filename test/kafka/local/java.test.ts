import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJavaMajor } from '../../../src/kafka/local/java.js';
import { renderServerProperties } from '../../../src/kafka/local/properties.js';

describe('parseJavaMajor', () => {
  it('reads modern and legacy version strings', () => {
    assert.equal(parseJavaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
    assert.equal(parseJavaMajor('openjdk version "21" 2023-09-19'), 21);
    assert.equal(parseJavaMajor('java version "1.8.0_392"'), 8);
    assert.equal(parseJavaMajor('no version here'), undefined);
  });
});

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
