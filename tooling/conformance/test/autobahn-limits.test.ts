import { registerConformanceSuite } from './support/suite.js';
import { targetInfo } from './support/target.js';

/**
 * Autobahn|Testsuite category 9 (limits and performance), every case: text and binary
 * up to 16 MiB in single frames, chopped in TCP writes of 64 B to 2 KiB, fragmented
 * into frames of 64 B to 4 MiB, and the 1000-message round trips.
 */
registerConformanceSuite({
  title: 'Autobahn category 9',
  info: await targetInfo(),
  categories: [9],
});
