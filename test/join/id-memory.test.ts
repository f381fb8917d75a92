import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engagementFingerprint, IdMemory, viewFingerprint } from '../../src/join/id-memory.js';
import { engagement, id, T0, view } from '../helpers/events.js';

describe('IdMemory', () => {
  it('tells new ids, repeats and conflicts apart, per partition', () => {
    const m = new IdMemory(1_000);
    assert.equal(m.check(0, id(1), 11, T0, -Infinity), 'new');
    assert.equal(m.check(0, id(1), 11, T0 + 5, -Infinity), 'same');
    assert.equal(m.check(0, id(1), 12, T0 + 5, -Infinity), 'conflict');
    assert.equal(m.check(1, id(1), 12, T0, -Infinity), 'new', 'another partition has its own ids');
    assert.equal(m.check(0, Buffer.from('a string id of any length'), 1, T0, -Infinity), 'new');
    assert.equal(m.check(0, Buffer.from('a string id of any length'), 1, T0, -Infinity), 'same');
  });

  it('an id stops counting once its generation ends before the horizon, whether or not it was dropped yet', () => {
    const m = new IdMemory(1_000);
    const start = Math.floor(T0 / 1_000) * 1_000;
    m.check(0, id(1), 11, start + 10, -Infinity);
    assert.equal(m.check(0, id(1), 12, start + 10, start + 999), 'conflict', 'its generation ends after the horizon: it counts');
    assert.equal(m.check(0, id(1), 12, start + 2_500, start + 1_000), 'new', 'older than the horizon: gone, the new content is remembered');
    assert.equal(m.check(0, id(1), 12, start + 2_500, start + 1_000), 'same');
    m.forget(0, T0 + 10_000);
    assert.equal(m.size(), 0);
    assert.equal(m.check(0, id(1), 11, T0 + 20_000, T0 + 10_000), 'new');
  });

  it('keeps its answers through many ids (the tables grow) and forgets only whole old generations', () => {
    const m = new IdMemory(10_000);
    for (let i = 0; i < 50_000; i++) assert.equal(m.check(0, id(i), i, T0 + i, -Infinity), 'new');
    for (let i = 0; i < 50_000; i += 7) assert.equal(m.check(0, id(i), i, T0 + i, -Infinity), 'same');
    for (let i = 3; i < 50_000; i += 11) assert.equal(m.check(0, id(i), i + 1, T0 + i, -Infinity), 'conflict');
    m.forget(0, T0 + 25_000);
    assert.ok(m.size() > 20_000 && m.size() < 35_000, String(m.size()));
    assert.equal(m.check(0, id(49_999), 49_999, T0, -Infinity), 'same');
  });

  it('fingerprints change with every field the join or the sample uses', () => {
    const e = engagement(1, { view_id: id(9) });
    const base = engagementFingerprint(e, 0);
    assert.equal(engagementFingerprint({ ...e }, 0), base);
    for (const other of [{ ...e, user_id: 2 }, { ...e, post_id: 2 }, { ...e, ts: e.ts + 1 }, { ...e, view_id: null }, { ...e, view_id: id(8) }]) assert.notEqual(engagementFingerprint(other, 0), base);
    assert.notEqual(engagementFingerprint(e, 1), base);
    const v = view(1);
    const vf = viewFingerprint(v);
    for (const other of [{ ...v, post_id: 1 }, { ...v, ts: v.ts + 1 }, { ...v, context: { ...v.context, region: 'IN-TN' } }, { ...v, context: { ...v.context, position: 99 } }]) assert.notEqual(viewFingerprint(other), vf);
  });
});
