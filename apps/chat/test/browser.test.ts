// Two headless Chromium pages on the chat: what one sends (typed, then the send button clicked)
// appears in the other's list. Uses Debian's /usr/bin/chromium through playwright-core (no
// browser download). The screenshot goes to test-output/ (git-ignored), for CI to keep.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChat } from '../src/server.js';

const CHROMIUM_PATH = process.env.CHAT_CHROMIUM ?? '/usr/bin/chromium';
const OUTPUT = resolve(import.meta.dirname, '..', 'test-output');

let chat: ChatServer;
let browser: Browser;

// A browser start and two pages take seconds on a busy machine: generous bounds, no timing assumptions.
const SLOW = 90_000;

beforeAll(async () => {
  chat = await startChat();
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await chat?.close();
}, SLOW);

async function joinAs(name: string, room: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 720, height: 560 } });
  await page.goto(chat.url);
  await page.waitForSelector('body[data-state="open"]');
  await page.fill('#name', name);
  await page.fill('#room', room);
  await page.click('#join');
  await page.waitForSelector(`body[data-joined="${room}"]`);
  return page;
}

describe('chat in the browser', () => {
  it(
    'shows a message typed and sent in one page in the other',
    async () => {
      const ada = await joinAs('ada', 'browsers');
      const bob = await joinAs('bob', 'browsers');
      await ada.locator('#messages li.presence', { hasText: 'bob joined' }).waitFor();

      await ada.fill('#text', 'hello from ada');
      await ada.click('#send');
      const received = bob.locator('#messages li.chat', { hasText: 'ada: hello from ada' });
      await received.waitFor();
      expect(await received.count()).toBe(1);
      await ada.locator('#messages li.chat', { hasText: 'ada: hello from ada' }).waitFor();
      expect(await ada.textContent('#status')).toBe('ada in #browsers (2 here)');
      expect(await ada.inputValue('#text')).toBe('');

      await bob.fill('#text', 'hi ada <b>not bold</b>');
      await bob.click('#send');
      const reply = ada.locator('#messages li.chat', { hasText: 'bob: hi ada <b>not bold</b>' });
      await reply.waitFor();
      // Shown as text, never parsed as HTML.
      expect(await ada.locator('#messages b').count()).toBe(0);

      mkdirSync(OUTPUT, { recursive: true });
      await ada.screenshot({ path: join(OUTPUT, 'chat.png') });
      await Promise.all([ada.close(), bob.close()]);
    },
    SLOW,
  );
});
