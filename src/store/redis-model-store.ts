/**
 * The model store in Redis (the networked NoSQL store), through @redis/client
 * (docs/decisions/redis-client.md). Keys of model M, all with the hash tag {M}
 * so one model lives in one slot:
 *
 *   lj:{M}:r:<row key>          string  Float32 little-endian parameters (src/train/ffm.ts)
 *   lj:{M}:seen:<partition>     hash    view event id (32 hex) → newest version applied
 *   lj:{M}:seenexp:<partition>  zset    view event id, scored by view time (ms), for forgetting
 *   lj:{M}:offsets:<topic>      hash    partition → next offset to read
 *
 * A commit is one Lua script (COMMIT_SCRIPT), so Redis runs it atomically: the
 * rows (merged as src/store/model-store.ts says), the seen entries, the
 * forgetting and the offsets land together or not at all. Round trips per
 * batch of samples: one for the reads (the trainer sends MGET of the rows and
 * HMGET + ZMSCORE of the de-dup memory together; the client pipelines them)
 * and one EVALSHA for the commit, whatever the batch's size. Row values go out
 * as views of the trainer's Float32Arrays (no copy), which it leaves unchanged.
 */
import { BlobError, createClient, ErrorReply, RESP_TYPES, SimpleError } from '@redis/client';
import type { Secret } from '../config/secret.js';
import { tlsFailureReason } from '../tls-errors.js';
import { StoreFailedError, StoreUnavailableError } from './errors.js';
import { bytesToFloats, floatBytes, RowArena, type ModelCommit, type ModelStore, type SeenEntry } from './model-store.js';

/**
 * KEYS: the n row keys, then the offsets hash. ARGV: o, then o × (partition,
 * offset); n, then n × (before, after) for the rows; key prefix; m, then
 * m × (partition, view id, version, ts); f, then f × (partition, forget before).
 * A batch whose offsets are all stored already was committed before (a retry
 * after a lost reply): the script does nothing and answers -1, so a retry never
 * applies a batch twice. Offsets only grow: one instance owns a partition.
 */
const COMMIT_SCRIPT = `
local offsets = KEYS[#KEYS]
local o = tonumber(ARGV[1])
local oa = 2
if o > 0 then
  local done = 0
  for i = oa, oa + 2 * o - 1, 2 do
    local stored = redis.call('HGET', offsets, ARGV[i])
    if stored and tonumber(stored) >= tonumber(ARGV[i + 1]) then done = done + 1 end
  end
  if done == o then return -1 end
end
local a = oa + 2 * o
local n = tonumber(ARGV[a])
a = a + 1
for i = 1, n do
  local before, after = ARGV[a], ARGV[a + 1]
  a = a + 2
  local cur = redis.call('GET', KEYS[i])
  if (not cur) or cur == before then
    redis.call('SET', KEYS[i], after)
  else
    local merged = {}
    for j = 0, #after / 4 - 1 do
      local pos = j * 4 + 1
      merged[j + 1] = struct.pack('<f', struct.unpack('<f', cur, pos) + (struct.unpack('<f', after, pos) - struct.unpack('<f', before, pos)))
    end
    redis.call('SET', KEYS[i], table.concat(merged))
  end
end
local prefix = ARGV[a]
local m = tonumber(ARGV[a + 1])
a = a + 2
for i = 1, m do
  redis.call('HSET', prefix .. 'seen:' .. ARGV[a], ARGV[a + 1], ARGV[a + 2])
  redis.call('ZADD', prefix .. 'seenexp:' .. ARGV[a], ARGV[a + 3], ARGV[a + 1])
  a = a + 4
end
local f = tonumber(ARGV[a])
a = a + 1
for i = 1, f do
  local exp = prefix .. 'seenexp:' .. ARGV[a]
  local ids = redis.call('ZRANGEBYSCORE', exp, '-inf', '(' .. ARGV[a + 1])
  for s = 1, #ids, 1000 do
    redis.call('HDEL', prefix .. 'seen:' .. ARGV[a], unpack(ids, s, math.min(s + 999, #ids)))
  end
  redis.call('ZREMRANGEBYSCORE', exp, '-inf', '(' .. ARGV[a + 1])
  a = a + 2
end
for i = oa, oa + 2 * o - 1, 2 do
  redis.call('HSET', offsets, ARGV[i], ARGV[i + 1])
end
return n
`;

type Client = ReturnType<typeof makeClient>;

export interface RedisOpenOptions {
  readonly url: string;
  readonly model: string;
  readonly topic: string;
  /** The password (else the URL's, if any); handed to the client only. */
  readonly password?: Secret | undefined;
  /** PEM CA for a rediss:// URL; undefined: the system's CAs. */
  readonly tlsCa?: Buffer | undefined;
}

const REDIS_TLS_HINTS = {
  peer: 'Redis server',
  caFlag: '--redis-tls-ca-file',
  serverName: 'connect by a name it carries',
  handshake: 'check that the server speaks TLS on that port (rediss://)',
};

function makeClient(options: RedisOpenOptions, isConnected: () => boolean) {
  const url = options.url;
  // Before the first connection: give up after 4 tries. After: keep trying (the trainer retries its batch).
  const reconnectStrategy = (retries: number): number | Error => (!isConnected() && retries >= 3 ? new Error(`no Redis answered at ${shownUrl(url)}`) : Math.min(100 * 2 ** retries, 2_000));
  const tls = new URL(url).protocol === 'rediss:';
  return createClient({
    url,
    ...(options.password === undefined ? {} : { password: options.password.reveal() }),
    disableOfflineQueue: true,
    socket: tls
      ? { tls: true, connectTimeout: 5_000, reconnectStrategy, ...(options.tlsCa === undefined ? {} : { ca: options.tlsCa }) }
      : { connectTimeout: 5_000, reconnectStrategy },
  });
}

/** The URL as errors and logs may show it: a password in it becomes "***". */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return 'the configured Redis URL (not shown: it does not parse)';
  }
}

/** Redis answered with an error (a refused password, say), as opposed to not answering. */
function isReply(error: unknown): boolean {
  return error instanceof ErrorReply || error instanceof SimpleError || error instanceof BlobError;
}
type Arg = string | Buffer;

export class RedisModelStore implements ModelStore {
  readonly kind = 'redis' as const;
  readonly #client: Client;
  readonly #prefix: string;
  readonly #offsetsKey: string;
  /** The URL with any password shown as "***" (for messages). */
  readonly #url: string;
  #sha: string | undefined;

  private constructor(client: Client, url: string, model: string, topic: string) {
    this.#client = client;
    this.#url = url;
    this.#prefix = `lj:{${model}}:`;
    this.#offsetsKey = `${this.#prefix}offsets:${topic}`;
  }

  /** Connects; fails with STORE_UNAVAILABLE when no Redis answers at `url` within a few tries. */
  static async open(options: RedisOpenOptions): Promise<RedisModelStore> {
    let connected = false;
    const client = makeClient(options, () => connected);
    let last: unknown;
    client.on('error', (error: unknown) => {
      last = error; // surfaced by the failing command instead
    });
    const shown = shownUrl(options.url);
    try {
      await client.connect();
      connected = true;
    } catch (error) {
      // Redis answered but refused (a wrong password, no password given): retrying will not help.
      if (isReply(last)) throw new StoreFailedError(`connect to ${shown} (Redis refused it)`, last);
      // The TLS handshake failed (unknown CA, host name mismatch): neither will trying again help.
      const tls = tlsFailureReason([last, error, (last as { cause?: unknown } | undefined)?.cause], REDIS_TLS_HINTS);
      if (tls !== undefined) throw new StoreFailedError(`TLS with ${shown}`, tls);
      throw new StoreUnavailableError(`connect to ${shown}`, error);
    }
    return new RedisModelStore(client, shown, options.model, options.topic);
  }

  async readRows(keys: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (keys.length === 0) return out;
    const values = await this.#send('read rows', ['MGET', ...keys.map((k) => this.#rowKey(k))]);
    if (!Array.isArray(values)) throw new StoreFailedError('read rows', 'MGET did not answer an array');
    const arena = new RowArena();
    values.forEach((v: unknown, i) => {
      if (Buffer.isBuffer(v)) out.set(keys[i]!, bytesToFloats(v, arena));
    });
    return out;
  }

  async readSeen(partition: number, viewIds: readonly Buffer[]): Promise<Map<string, SeenEntry>> {
    const out = new Map<string, SeenEntry>();
    if (viewIds.length === 0) return out;
    const hex = viewIds.map((id) => id.toString('hex'));
    // Sent together (one round trip); one instance owns the partition, so nothing writes it in between.
    const [versions, times] = await Promise.all([
      this.#send('read de-dup memory', ['HMGET', `${this.#prefix}seen:${partition}`, ...hex]),
      this.#send('read de-dup memory', ['ZMSCORE', `${this.#prefix}seenexp:${partition}`, ...hex]),
    ]);
    if (!Array.isArray(versions) || !Array.isArray(times)) throw new StoreFailedError('read de-dup memory', 'HMGET or ZMSCORE did not answer an array');
    versions.forEach((v: unknown, i) => {
      const t: unknown = times[i];
      if (Buffer.isBuffer(v)) out.set(hex[i]!, { version: Number(v.toString()), ts: Buffer.isBuffer(t) ? Number(t.toString()) : Number.NaN });
    });
    return out;
  }

  async readOffsets(partitions: readonly number[]): Promise<Map<number, bigint>> {
    const out = new Map<number, bigint>();
    if (partitions.length === 0) return out;
    const values = await this.#send('read offsets', ['HMGET', this.#offsetsKey, ...partitions.map(String)]);
    if (!Array.isArray(values)) throw new StoreFailedError('read offsets', 'HMGET did not answer an array');
    values.forEach((v: unknown, i) => {
      if (Buffer.isBuffer(v)) out.set(partitions[i]!, BigInt(v.toString()));
    });
    return out;
  }

  async commit(batch: ModelCommit): Promise<void> {
    const keys: Arg[] = batch.rows.map((r) => this.#rowKey(r.key));
    keys.push(this.#offsetsKey);
    const args: Arg[] = [String(batch.offsets.size)];
    for (const [p, offset] of batch.offsets) args.push(String(p), offset.toString());
    args.push(String(batch.rows.length));
    for (const r of batch.rows) args.push(floatBytes(r.before), floatBytes(r.after));
    args.push(this.#prefix, String(batch.seen.length));
    for (const s of batch.seen) args.push(String(s.partition), s.viewId.toString('hex'), String(s.version), String(s.ts));
    args.push(String(batch.forgetBefore.size));
    for (const [p, before] of batch.forgetBefore) args.push(String(p), String(before));
    await this.#runScript(keys, args);
  }

  async seenCount(partition: number): Promise<number> {
    const n = await this.#send('count de-dup memory', ['HLEN', `${this.#prefix}seen:${partition}`]);
    return Number(n);
  }

  async close(): Promise<void> {
    try {
      await this.#client.quit();
    } catch {
      this.#client.destroy();
    }
  }

  #rowKey(key: string): string {
    return `${this.#prefix}r:${key}`;
  }

  async #runScript(keys: readonly Arg[], args: readonly Arg[]): Promise<void> {
    if (this.#sha === undefined) this.#sha = String(await this.#send('load the commit script', ['SCRIPT', 'LOAD', COMMIT_SCRIPT]));
    try {
      await this.#send('commit', ['EVALSHA', this.#sha, String(keys.length), ...keys, ...args]);
    } catch (error) {
      // A restarted Redis forgot the script: load it again once.
      if (!(error instanceof StoreFailedError) || !/NOSCRIPT/.test(String((error.cause as Error | undefined)?.message))) throw error;
      this.#sha = undefined;
      await this.#runScript(keys, args);
    }
  }

  async #send(what: string, args: readonly Arg[]): Promise<unknown> {
    try {
      return await this.#client.sendCommand(args, { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } });
    } catch (error) {
      if (isReply(error)) throw new StoreFailedError(`${what} at ${this.#url}`, error);
      throw new StoreUnavailableError(`${what} at ${this.#url}`, error);
    }
  }
}
