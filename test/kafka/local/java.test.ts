import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJavaMajor } from '../../../src/kafka/local/java.js';

describe('parseJavaMajor', () => {
  it('reads modern and legacy version strings', () => {
    assert.equal(parseJavaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
    assert.equal(parseJavaMajor('openjdk version "21" 2023-09-19'), 21);
    assert.equal(parseJavaMajor('java version "1.8.0_392"'), 8);
    assert.equal(parseJavaMajor('no version here'), undefined);
  });
});
