import { afterAll, beforeAll } from 'vitest';
import { type ChromiumPeer, startChromiumPeer } from '../src/peers/chromium.js';
import { defineEchoSuite } from './support/echo-suite.js';

// One browser for the whole file.
let chromium: ChromiumPeer | undefined;

beforeAll(async () => {
  chromium = await startChromiumPeer();
});

afterAll(async () => {
  await chromium?.close();
});

defineEchoSuite({
  name: 'Chromium',
  // Chromium always offers `permessage-deflate; client_max_window_bits`.
  offersDeflate: true,
  exposesWasClean: true,
  run: (target, cases) => {
    if (chromium === undefined) throw new Error('Chromium did not start');
    return chromium.run(target, cases);
  },
});
