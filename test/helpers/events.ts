/**
 * Small, explicit events for unit tests.
 */
import type { EngagementEvent, OwnViewEvent } from '../../src/codec/events.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export function id(n: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(n, 12);
  return b;
}

export function view(n: number, overrides: Partial<OwnViewEvent> = {}): OwnViewEvent {
  return {
    event_id: id(n),
    user_id: 1000 + n,
    post_id: 5000 + n,
    ts: T0 + n * 1000,
    context: { language: 'hi', region: 'IN-KA', device: 'android', app_version: '2026.11.3', surface: 'home', position: n % 20 },
    ...overrides,
  };
}

export function engagement(n: number, overrides: Partial<EngagementEvent> = {}): EngagementEvent {
  return { event_id: id(1_000_000 + n), user_id: 1000 + n, post_id: 5000 + n, type: 'like', ts: T0 + n * 1000 + 500, view_id: null, ...overrides };
}
