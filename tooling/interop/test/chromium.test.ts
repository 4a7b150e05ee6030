import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, runWithChromium } from '../src/peers/chromium.js';
import { defineEchoSuite } from './support/echo-suite.js';

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

defineEchoSuite({
  name: 'Chromium',
  // Chromium always offers `permessage-deflate; client_max_window_bits`.
  offersDeflate: true,
  run: (target, cases) => {
    if (browser === undefined) throw new Error('Chromium did not start');
    return runWithChromium(browser, target, cases);
  },
});
