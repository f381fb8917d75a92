/**
 * The joiner's state in memory (`--state memory`, the default): three
 * PairTables (src/store/pair-table.ts), no JavaScript object per record.
 *
 * Engagements   ts = engagement ts (expires at + engagementKeepMs), in two tables:
 *               without a view_id: ids event_id [16]                  4 words
 *               with a view_id:    ids event_id [16] | view_id [16]   8 words
 *               int0 type (bits 0-7) | has view_id (bit 8) | matched a view (bit 9)
 *               → 48 or 64 bytes per engagement, + hash slot and heap entry (~7 bytes)
 * Emitted views ts = view ts (expires at + emittedKeepMs)
 *               ids  view event_id [16]                                 4 words
 *               int0 version, int1 labels bitmask
 *               → 52 bytes per view, + ~7 bytes; under late policy "correct"
 *               what the outbox keeps for a correction too (a Map from record number to Buffer)
 *
 * The contract is the one in ./engagement-index.ts; expiry cut-offs are the
 * same comparisons as the on-disk index (ts < watermark - keep).
 */
import type { EngagementEvent } from '../codec/events.js';
import { PairTable } from '../store/pair-table.js';
import type { EngagementCandidates } from './labels.js';
import { emittedKeepMs, engagementKeepMs, type EmittedView, type EngagementIndex, type ExpiredEngagement, type IndexedEngagement, type IndexTimes } from './engagement-index.js';

const HAS_VIEW = 1 << 8;
const MATCHED = 1 << 9;
const ID_BYTES = 16;

export class MemoryEngagementIndex implements EngagementIndex {
  /** Engagements without a view_id (most), and with one: a pair's engagements are in either. */
  readonly #eng = new PairTable(4, 1);
  readonly #engV = new PairTable(8, 1);
  readonly #engTables = [this.#eng, this.#engV] as const;
  readonly #out = new PairTable(4, 2);
  /** What the outbox keeps for corrections, by emitted-view record (late policy "correct" only). */
  readonly #kept = new Map<number, Buffer>();
  readonly #engKeepMs: number;
  readonly #outKeepMs: number;
  readonly #cursor = new PairCursor([this.#eng, this.#engV]);

  constructor(times: IndexTimes) {
    this.#engKeepMs = engagementKeepMs(times);
    this.#outKeepMs = emittedKeepMs(times);
  }

  batch<T>(fn: () => T): T {
    return fn();
  }

  addEngagement(partition: number, e: EngagementEvent, type: number): boolean {
    if (this.#findEngagement(e.user_id, e.post_id, e.event_id) !== undefined) return false;
    const t = e.view_id === null ? this.#eng : this.#engV;
    const r = t.add(partition, e.user_id, e.post_id, e.ts);
    t.setIds(r, 0, e.event_id);
    if (e.view_id !== null) t.setIds(r, 4, e.view_id);
    t.setInt(r, 0, type | (e.view_id === null ? 0 : HAS_VIEW));
    return true;
  }

  markMatched(user: number, post: number, eventId: Buffer): void {
    const found = this.#findEngagement(user, post, eventId);
    if (found !== undefined) found.table.setInt(found.r, 0, found.table.int(found.r, 0) | MATCHED);
  }

  candidates(user: number, post: number): EngagementCandidates {
    return this.#cursor.reset(user, post);
  }

  engagementsOf(user: number, post: number): IndexedEngagement[] {
    const out: IndexedEngagement[] = [];
    for (const t of this.#engTables) {
      for (let r = t.first(user, post); r !== -1; r = t.next(r)) if (t.isPair(r, user, post)) out.push(engagementAt(t, r));
    }
    return out;
  }

  wasEmitted(user: number, post: number, viewTs: number, viewId: Buffer): boolean {
    const t = this.#out;
    for (let r = t.first(user, post); r !== -1; r = t.next(r)) {
      if (t.isPair(r, user, post) && t.ts(r) === viewTs && t.idsEqual(r, 0, viewId)) return true;
    }
    return false;
  }

  recordEmitted(partition: number, user: number, post: number, viewTs: number, viewId: Buffer, version: number, labels: number, kept: Buffer | undefined): void {
    const r = this.#out.add(partition, user, post, viewTs);
    this.#out.setIds(r, 0, viewId);
    this.#out.setInt(r, 0, version);
    this.#out.setInt(r, 1, labels >>> 0);
    if (kept !== undefined) this.#kept.set(r, kept);
  }

  emittedOf(user: number, post: number, fromTs: number, toTs: number): EmittedView[] {
    const t = this.#out;
    const out: EmittedView[] = [];
    for (let r = t.first(user, post); r !== -1; r = t.next(r)) {
      if (!t.isPair(r, user, post)) continue;
      const viewTs = t.ts(r);
      if (viewTs < fromTs || viewTs > toTs) continue;
      out.push({ user, post, viewTs, viewId: t.ids(r, 0, ID_BYTES), version: t.int(r, 0), labels: t.int(r, 1), kept: this.#kept.get(r) });
    }
    return out.sort((a, b) => a.viewTs - b.viewTs || Buffer.compare(a.viewId, b.viewId));
  }

  updateEmitted(view: EmittedView, version: number, labels: number, kept: Buffer | undefined): void {
    const t = this.#out;
    for (let r = t.first(view.user, view.post); r !== -1; r = t.next(r)) {
      if (!t.isPair(r, view.user, view.post) || t.ts(r) !== view.viewTs || !t.idsEqual(r, 0, view.viewId)) continue;
      t.setInt(r, 0, version);
      t.setInt(r, 1, labels >>> 0);
      if (kept === undefined) this.#kept.delete(r);
      else this.#kept.set(r, kept);
      return;
    }
  }

  expire(partition: number, watermark: number): ExpiredEngagement[] {
    const expired: ExpiredEngagement[] = [];
    for (const t of this.#engTables) {
      t.expire(partition, watermark - this.#engKeepMs, (r) => {
        if ((t.int(r, 0) & MATCHED) === 0) expired.push({ user: t.user(r), post: t.post(r), engagement: engagementAt(t, r) });
      });
    }
    return expired;
  }

  expireEmitted(partition: number, watermark: number): void {
    const kept = this.#kept;
    this.#out.expire(partition, watermark - this.#outKeepMs, kept.size === 0 ? undefined : (r) => kept.delete(r));
  }

  dropPartition(partition: number): void {
    this.expire(partition, Number.POSITIVE_INFINITY);
    this.expireEmitted(partition, Number.POSITIVE_INFINITY);
  }

  engagementCount(): number {
    return this.#eng.size + this.#engV.size;
  }

  emittedCount(): number {
    return this.#out.size;
  }

  async close(): Promise<void> {
    // Nothing to release but memory.
  }

  #findEngagement(user: number, post: number, eventId: Buffer): { readonly table: PairTable; readonly r: number } | undefined {
    for (const table of this.#engTables) {
      for (let r = table.first(user, post); r !== -1; r = table.next(r)) if (table.isPair(r, user, post) && table.idsEqual(r, 0, eventId)) return { table, r };
    }
    return undefined;
  }
}

function engagementAt(t: PairTable, r: number): IndexedEngagement {
  const meta = t.int(r, 0);
  return {
    eventId: t.ids(r, 0, ID_BYTES),
    type: meta & 0xff,
    ts: t.ts(r),
    viewId: (meta & HAS_VIEW) === 0 ? null : t.ids(r, 4, ID_BYTES),
    matched: (meta & MATCHED) !== 0,
  };
}

/** The engagements of one pair across both engagement tables, one at a time (./labels.ts reads them). */
class PairCursor implements EngagementCandidates {
  readonly #tables: readonly PairTable[];
  #user = 0;
  #post = 0;
  #t = 0;
  #r = -1;
  #started = false;

  constructor(tables: readonly PairTable[]) {
    this.#tables = tables;
  }

  reset(user: number, post: number): this {
    this.#user = user;
    this.#post = post;
    this.#t = 0;
    this.#r = -1;
    this.#started = false;
    return this;
  }

  next(): boolean {
    const tables = this.#tables;
    while (this.#t < tables.length) {
      const t = tables[this.#t]!;
      this.#r = this.#started ? t.next(this.#r) : t.first(this.#user, this.#post);
      this.#started = true;
      while (this.#r !== -1 && !t.isPair(this.#r, this.#user, this.#post)) this.#r = t.next(this.#r);
      if (this.#r !== -1) return true;
      this.#t++;
      this.#started = false;
    }
    return false;
  }

  ts(): number {
    return this.#tables[this.#t]!.ts(this.#r);
  }

  type(): number {
    return this.#tables[this.#t]!.int(this.#r, 0) & 0xff;
  }

  namesView(viewId: Buffer): boolean | null {
    const t = this.#tables[this.#t]!;
    if ((t.int(this.#r, 0) & HAS_VIEW) === 0) return null;
    return t.idsEqual(this.#r, 4, viewId);
  }

  markMatched(): void {
    const t = this.#tables[this.#t]!;
    const meta = t.int(this.#r, 0);
    if ((meta & MATCHED) === 0) t.setInt(this.#r, 0, meta | MATCHED);
  }
}
