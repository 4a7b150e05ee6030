import { afterAll, beforeAll } from 'vitest';
import { LARGE_CASES } from '../src/cases.js';
import { type ChromiumPeer, startChromiumPeer } from '../src/peers/chromium.js';
import type { Target } from '../src/servers.js';
import { defineCloseSuite } from './support/close-suite.js';
import { defineEchoSuite } from './support/echo-suite.js';

// One browser for the whole file.
let chromium: ChromiumPeer | undefined;

beforeAll(async () => {
  chromium = await startChromiumPeer();
});

afterAll(async () => {
  await chromium?.close();
});

const run: ChromiumPeer['run'] = (target: Target, cases) => {
  if (chromium === undefined) throw new Error('Chromium did not start');
  return chromium.run(target, cases);
};

defineEchoSuite({
  name: 'Chromium',
  // Chromium always offers `permessage-deflate; client_max_window_bits`.
  offersDeflate: true,
  exposesWasClean: true,
  // 4 MiB each way costs Chromium seconds per message (most of it in the page turning bytes into
  // base64 for the report); the plain variant carries them, the others stop at 1 MiB.
  extraCases: (variant) => (variant.tls || variant.deflate ? [] : LARGE_CASES),
  run,
});

defineCloseSuite({ name: 'Chromium', offersDeflate: true, run });
