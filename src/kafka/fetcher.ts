/**
 * Manually assigned reading: the caller says which partitions to read from
 * which offsets, one fetch round at a time. Leaving a partition out of a round
 * is how it is paused; nothing is prefetched behind the caller's back, so the
 * records in memory are bounded by what the caller asks for (maxBytes).
 *
 * With isolation `read_committed` the broker returns records up to the last
 * stable offset, and this reader drops the records of aborted transactions
 * (using the aborted-transaction list of the fetch response) and transaction
 * control markers, so a reader sees committed data only.
 *
 * Fetch requests go to the Fetch API directly (v13-v17, on our own connection
 * pool), not through the client's Consumer.fetch: that one filters aborted
 * transactions itself and, when one producer id has two aborted transactions in
 * one response, drops the committed transactions between them as well (seen
 * with a transactional id reused across restarts, @platformatic/kafka 1.35 and
 * 2.12; test/integration/kafka/transactions.test.ts). Our filter below follows
 * the markers in order instead.
 */
import { ConnectionPool, Consumer, fetchV13, fetchV14, fetchV15, fetchV16, fetchV17 } from '@platformatic/kafka';
import { GuardedConsumer } from './guarded-clients.js';
import { baseClientOptions, ConnectionAlerts, hasKafkaCode, isBrokerAnswer, isSecurityFailure, translateError, type ConnectionSettings, type SecurityClientOptions } from './connection.js';
import { KafkaRequestError, OffsetOutOfRangeError, TopicMissingError } from './errors.js';

export interface FetchPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** Record timestamp (ms since epoch) as the producer or broker set it. */
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
}

export interface FetchedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly records: ConsumedRecord[];
  /** Where the next fetch of this partition starts. */
  readonly nextOffset: bigint;
  /** High watermark (read_uncommitted) or last stable offset (read_committed). */
  readonly endOffset: bigint;
}

export type Isolation = 'read_uncommitted' | 'read_committed';

export interface FetcherOptions {
  readonly isolation?: Isolation;
  /** Upper bound of bytes per fetch request (all partitions of one broker). */
  readonly maxBytes?: number;
  readonly maxBytesPerPartition?: number;
  /** How long the broker may wait for new data before answering an empty fetch. */
  readonly maxWaitMs?: number;
}

const IS_TRANSACTIONAL = 0b1_0000;
const IS_CONTROL = 0b10_0000;
const ISOLATION_LEVEL: Record<Isolation, number> = { read_uncommitted: 0, read_committed: 1 };
/** Kafka's ListOffsets timestamps meaning "earliest" and "latest". */
const EARLIEST = -2n;
const LATEST = -1n;
/** Fetch API versions this reader speaks (same request shape; topic ids from v13). */
const FETCH_APIS = new Map([
  [13, fetchV13.api],
  [14, fetchV14.api],
  [15, fetchV15.api],
  [16, fetchV16.api],
  [17, fetchV17.api],
]);
const FETCH_API_KEY = 1;
type FetchResponse = Awaited<ReturnType<typeof fetchV17.api.async>>;

export class KafkaFetcher {
  readonly #client: Consumer;
  #pool: ConnectionPool;
  readonly #poolOptions: { readonly connectTimeout: number; readonly requestTimeout: number } & SecurityClientOptions;
  #fetchApi: typeof fetchV17.api | undefined;
  readonly #clientId: string;
  readonly #brokers: readonly string[];
  readonly #alerts = new ConnectionAlerts();
  readonly #isolation: Isolation;
  readonly #maxBytes: number;
  readonly #maxBytesPerPartition: number;
  readonly #maxWaitMs: number;

  constructor(settings: ConnectionSettings, options: FetcherOptions = {}) {
    // The client wants a group id even for plain fetches; no group is ever joined here.
    const clientOptions = baseClientOptions(settings);
    this.#client = new GuardedConsumer({ ...clientOptions, groupId: `${settings.clientId}-fetcher` });
    // Our own connections (for Fetch) take the same TLS and SASL options as the client's.
    const { tls, sasl } = clientOptions;
    this.#poolOptions = { connectTimeout: clientOptions.connectTimeout, requestTimeout: clientOptions.requestTimeout, ...(tls === undefined ? {} : { tls }), ...(sasl === undefined ? {} : { sasl }) };
    this.#pool = new ConnectionPool(settings.clientId, this.#poolOptions);
    this.#alerts.watch(this.#client);
    this.#alerts.watch(this.#pool, 'connect');
    this.#clientId = settings.clientId;
    this.#brokers = settings.brokers;
    this.#isolation = options.isolation ?? 'read_uncommitted';
    this.#maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.#maxBytesPerPartition = options.maxBytesPerPartition ?? 2 * 1024 * 1024;
    this.#maxWaitMs = options.maxWaitMs ?? 200;
  }

  /** Fetches once from each given position; partitions are grouped per leader. */
  async fetch(positions: readonly FetchPosition[]): Promise<FetchedPartition[]> {
    if (positions.length === 0) return [];
    const topics = [...new Set(positions.map((p) => p.topic))];
    const metadata = await this.#metadata(topics);
    const byLeader = new Map<number, FetchPosition[]>();
    for (const position of positions) {
      const leader = metadata.topics.get(position.topic)?.partitions[position.partition]?.leader;
      if (leader === undefined || leader < 0) throw new KafkaRequestError(`fetch ${position.topic}/${position.partition}`, 'no leader known', true);
      const list = byLeader.get(leader) ?? [];
      list.push(position);
      byLeader.set(leader, list);
    }
    const results = await Promise.all([...byLeader].map(([leader, list]) => this.#fetchFrom(leader, list, metadata)));
    return results.flat();
  }

  /** For each partition, the first offset whose timestamp is >= the given time, or the end offset when there is none. */
  async offsetsForTime(topic: string, partitions: readonly number[], timestampMs: bigint): Promise<Map<number, bigint>> {
    const found = await this.#listOffsets(topic, partitions, timestampMs);
    const none = partitions.filter((p) => (found.get(p) ?? -1n) < 0n);
    if (none.length > 0) for (const [p, end] of await this.endOffsets(topic, none)) found.set(p, end);
    return found;
  }

  async beginningOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return this.#listOffsets(topic, partitions, EARLIEST);
  }

  /** High watermarks (read_uncommitted) or last stable offsets (read_committed). */
  async endOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return this.#listOffsets(topic, partitions, LATEST);
  }

  /** High watermarks, whatever this fetcher's isolation. */
  async highWatermarks(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    return this.#listOffsets(topic, partitions, LATEST, 'read_uncommitted');
  }

  async partitionCount(topic: string): Promise<number> {
    const metadata = await this.#metadata([topic]);
    return metadata.topics.get(topic)?.partitionsCount ?? 0;
  }

  async close(): Promise<void> {
    await this.#pool.close();
    await this.#client.close(true);
  }

  /** The newest Fetch version both sides speak, asked once. */
  async #fetchVersion(): Promise<typeof fetchV17.api> {
    if (this.#fetchApi !== undefined) return this.#fetchApi;
    let apis;
    try {
      apis = await this.#client.listApis();
    } catch (error) {
      throw translateError('list the broker API versions', error, this.#brokers, this.#alerts);
    }
    const fetch = apis.find((a) => a.apiKey === FETCH_API_KEY);
    const version = Math.min(fetch?.maxVersion ?? -1, 17);
    const api = FETCH_APIS.get(version);
    if (api === undefined || (fetch?.minVersion ?? 0) > version) {
      throw new KafkaRequestError('fetch', `the broker speaks Fetch v${fetch?.minVersion ?? '?'}-v${fetch?.maxVersion ?? '?'}; labeljoin needs v13-v17 (Kafka 3.1 or newer)`, false);
    }
    this.#fetchApi = api;
    return api;
  }

  async #metadata(topics: string[]): Promise<Awaited<ReturnType<Consumer['metadata']>>> {
    try {
      const metadata = await this.#client.metadata({ topics });
      const missing = topics.filter((t) => !metadata.topics.has(t));
      if (missing.length > 0) throw new TopicMissingError(missing);
      return metadata;
    } catch (error) {
      if (error instanceof TopicMissingError) throw error;
      if (isUnknownTopic(error)) throw new TopicMissingError(topics);
      throw translateError(`metadata for ${topics.join(', ')}`, error, this.#brokers, this.#alerts);
    }
  }

  async #listOffsets(topic: string, partitions: readonly number[], timestamp: bigint, isolation: Isolation = this.#isolation): Promise<Map<number, bigint>> {
    try {
      const offsets = await this.#client.listOffsets({
        topics: [topic],
        partitions: { [topic]: [...partitions] },
        timestamp,
        isolationLevel: ISOLATION_LEVEL[isolation],
      });
      const list = offsets.get(topic) ?? [];
      return new Map(partitions.map((p) => [p, list[p] ?? -1n]));
    } catch (error) {
      throw translateError(`list offsets of ${topic}`, error, this.#brokers, this.#alerts);
    }
  }

  async #fetchFrom(leader: number, positions: FetchPosition[], metadata: Awaited<ReturnType<Consumer['metadata']>>): Promise<FetchedPartition[]> {
    const byTopicId = new Map<string, { topic: string; partitions: FetchPosition[] }>();
    for (const p of positions) {
      const id = metadata.topics.get(p.topic)!.id;
      const entry = byTopicId.get(id) ?? { topic: p.topic, partitions: [] };
      entry.partitions.push(p);
      byTopicId.set(id, entry);
    }
    let response: FetchResponse;
    try {
      const api = await this.#fetchVersion();
      const broker = metadata.brokers.get(leader);
      if (broker === undefined) throw new KafkaRequestError(`fetch from broker ${leader}`, 'broker not in the metadata', true);
      const connection = await this.#pool.get(broker);
      const topics = [...byTopicId].map(([topicId, { topic, partitions }]) => ({
        topicId,
        partitions: partitions.map((p) => ({
          partition: p.partition,
          fetchOffset: p.offset,
          partitionMaxBytes: this.#maxBytesPerPartition,
          currentLeaderEpoch: metadata.topics.get(topic)!.partitions[p.partition]!.leaderEpoch,
          lastFetchedEpoch: -1,
        })),
      }));
      // maxWait, minBytes, maxBytes, isolation, session id, session epoch, topics, forgotten topics, rack
      response = await api.async(connection, this.#maxWaitMs, 1, this.#maxBytes, ISOLATION_LEVEL[this.#isolation], 0, 0, topics, [], '');
    } catch (error) {
      if (error instanceof KafkaRequestError) throw error; // ours, raised before the request was sent
      const what = `fetch of ${positions.map((p) => `${p.topic}/${p.partition}@${p.offset}`).join(', ')} from broker ${leader}`;
      if (!isBrokerAnswer(error)) {
        // The connection itself failed: our request timeout, a closed socket, an
        // answer that cannot be read. After a timeout the broker still answers
        // on that connection, and the client library leaves that late frame
        // half-read, so every later answer on it is misread. Start over on new
        // connections; the next fetch may succeed, so the error is retriable.
        this.#resetConnections();
        const translated = translateError(what, error, this.#brokers, this.#alerts);
        throw translated.retriable || isSecurityFailure(translated) ? translated : new KafkaRequestError(what, error, true);
      }
      if (hasKafkaCode(error, 'OFFSET_OUT_OF_RANGE')) throw new OffsetOutOfRangeError(positions, error);
      // A leader moved: ask for fresh metadata next time.
      if (hasKafkaCode(error, 'FENCED_LEADER_EPOCH') || hasKafkaCode(error, 'NOT_LEADER_OR_FOLLOWER') || hasKafkaCode(error, 'UNKNOWN_LEADER_EPOCH')) this.#client.clearMetadata();
      throw translateError(what, error, this.#brokers, this.#alerts);
    }

    const requested = new Map(positions.map((p) => [`${p.topic}:${p.partition}`, p.offset]));
    const out: FetchedPartition[] = [];
    for (const topicResponse of response.responses) {
      const topic = byTopicId.get(topicResponse.topicId)?.topic;
      if (topic === undefined) continue;
      for (const part of topicResponse.partitions) {
        if (part.errorCode !== 0) {
          throw new KafkaRequestError(`fetch ${topic}/${part.partitionIndex}`, `broker error code ${part.errorCode}`, true);
        }
        const from = requested.get(`${topic}:${part.partitionIndex}`) ?? 0n;
        out.push(decodePartition(topic, part, from, this.#isolation));
      }
    }
    return out;
  }

  #resetConnections(): void {
    const old = this.#pool;
    this.#pool = new ConnectionPool(this.#clientId, this.#poolOptions);
    this.#alerts.watch(this.#pool, 'connect');
    old.close().catch(() => undefined); // its sockets may be dead already; nothing to wait for
  }
}

/** One partition of a Fetch response, as the protocol layer decodes it. */
export type RawPartition = FetchResponse['responses'][number]['partitions'][number];

/** The records of one partition of a Fetch response that a reader with this isolation may see (exported for unit tests). */
export function decodePartition(topic: string, part: RawPartition, from: bigint, isolation: Isolation): FetchedPartition {
  const partition = part.partitionIndex;
  const records: ConsumedRecord[] = [];
  let nextOffset = from;
  // Aborted transactions: producer id -> first offset of its aborted range still open.
  const aborted = isolation === 'read_committed' ? [...part.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1)) : [];
  const abortedOpen = new Set<bigint>();

  for (const batch of part.records ?? []) {
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    if (lastOffset + 1n > nextOffset) nextOffset = lastOffset + 1n;
    while (aborted.length > 0 && aborted[0]!.firstOffset <= lastOffset) abortedOpen.add(aborted.shift()!.producerId);

    if ((batch.attributes & IS_CONTROL) !== 0) {
      // A commit or abort marker closes the producer's transaction.
      abortedOpen.delete(batch.producerId);
      continue;
    }
    if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedOpen.has(batch.producerId)) continue;

    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < from) continue; // a compressed batch can start before the requested offset
      records.push({
        topic,
        partition,
        offset,
        timestamp: batch.firstTimestamp + record.timestampDelta,
        key: record.key,
        value: record.value,
        headers: record.headers.map(([k, v]) => [k?.toString('utf8') ?? '', v ?? Buffer.alloc(0)] as const),
      });
    }
  }
  const endOffset = isolation === 'read_committed' ? part.lastStableOffset : part.highWatermark;
  return { topic, partition, records, nextOffset, endOffset };
}

function isUnknownTopic(error: unknown): boolean {
  return hasKafkaCode(error, 'UNKNOWN_TOPIC_OR_PARTITION');
}
