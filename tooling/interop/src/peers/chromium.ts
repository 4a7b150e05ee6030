import { type Browser, chromium } from 'playwright-core';
import type { CaseResult, EchoCase } from '../cases.js';
import type { Target } from '../servers.js';
import { runWhatwgCases } from './whatwg.js';

/** Debian's chromium package; Playwright's own browser download is never used. */
export const CHROMIUM_PATH = process.env.INTEROP_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/**
 * Runs the cases with the browser's own WebSocket in an about:blank page of a fresh context.
 * wss:// uses the self-signed test certificate: the context ignores certificate errors
 * (Playwright's ignoreHTTPSErrors), which covers the WebSocket handshake too.
 */
export async function runWithChromium(
  browser: Browser,
  target: Target,
  cases: readonly EchoCase[],
): Promise<CaseResult[]> {
  const context = await browser.newContext({ ignoreHTTPSErrors: target.ca !== undefined });
  try {
    const page = await context.newPage();
    return await page.evaluate(runWhatwgCases, { url: target.url, cases });
  } finally {
    await context.close();
  }
}
