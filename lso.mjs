import { KafkaFetcher } from './build/src/kafka/fetcher.js';
const f = new KafkaFetcher({ brokers: ['127.0.0.1:29092'], clientId: 'lso', requestTimeoutMs: 10000 }, { isolation: 'read_committed' });
const parts = [0,1,2,3,4,5,6,7]; const t = process.argv[2];
const lso = await f.endOffsets(t, parts); const hw = await f.highWatermarks(t, parts);
console.log('LSO', [...lso.values()].join(','), '\nHW ', [...hw.values()].join(','));
await f.close();
