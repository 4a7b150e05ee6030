import { registerConformanceSuite } from './support/suite.js';
import { targetInfo } from './support/target.js';

/**
 * Autobahn|Testsuite categories 1-7 and 10 (every case id of the reference list),
 * played by the raw-socket peer against the echo server over ws:// and wss://.
 * Category 9 lives in autobahn-limits.test.ts so its multi-MiB transfers run in another
 * worker and cannot stretch the fail-fast timing windows of 6.4.x here.
 */
registerConformanceSuite({
  title: 'Autobahn categories 1-7, 10',
  info: await targetInfo(),
  categories: [1, 2, 3, 4, 5, 6, 7, 10],
});
