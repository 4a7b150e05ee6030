import { registerConformanceSuite } from './support/suite.js';
import { targetInfo } from './support/target.js';

/**
 * Autobahn|Testsuite category 12 (permessage-deflate, different payloads), every case id,
 * against the echo server started with `deflate: true`, over ws:// and wss://. The message
 * count of the large cases is scaled down (src/deflate-cases.ts, README); the titles say
 * so. Category 13 is in autobahn-deflate-params.test.ts: the peer and the server share a
 * worker thread and compression is CPU-bound, so the two files run on two cores.
 */
registerConformanceSuite({
  title: 'Autobahn category 12 (permessage-deflate)',
  info: await targetInfo(),
  categories: [12],
  target: { deflate: true },
});
