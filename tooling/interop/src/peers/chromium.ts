import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import type { CaseResult, EchoCase } from '../cases.js';
import type { Target } from '../servers.js';
import { runWhatwgCases, type WhatwgRunInput } from './whatwg.js';

/** Debian's chromium package; Playwright's own browser download is never used. */
export const CHROMIUM_PATH = process.env.INTEROP_CHROMIUM ?? '/usr/bin/chromium';

/** The switches every test browser gets: headless in a container, no GPU, no calls home. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'];

/** Debian's headless Chromium with the common switches and `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export interface ChromiumPeer {
  /** Runs the cases with the browser's own WebSocket, in the one page. */
  run(target: Target, cases: readonly EchoCase[]): Promise<CaseResult[]>;
  /** Closes the browser and the page server. */
  close(): Promise<void>;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>websock interop</title><script src="/runner.js"></script>';

/**
 * Headless Chromium with one page served from 127.0.0.1 by a small node:http server. The page
 * fetches each run's cases from that server and posts the results back to it: megabytes of
 * payload through Playwright's own channel (page.evaluate arguments and return values) cost
 * about a second per MiB each way here, the loopback HTTP round trip a few milliseconds.
 *
 * wss:// meets the self-signed test certificate: the context ignores certificate errors
 * (Playwright's ignoreHTTPSErrors), which covers the WebSocket handshake too.
 */
export async function startChromiumPeer(): Promise<ChromiumPeer> {
  let plan = '';
  let delivered: ((body: string) => void) | undefined;
  const pageServer = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else if (req.method === 'GET' && req.url === '/runner.js') {
      // The runner is self-contained (see whatwg.ts), so its source runs as it is in the page.
      res
        .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
        .end(`globalThis.runWhatwgCases = ${runWhatwgCases.toString()};`);
    } else if (req.method === 'GET' && req.url === '/plan') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(plan);
    } else if (req.method === 'POST' && req.url === '/results') {
      readBody(req).then((body) => {
        res.writeHead(204).end();
        delivered?.(body);
      });
    } else {
      res.writeHead(404).end();
    }
  });
  pageServer.listen(0, '127.0.0.1');
  await once(pageServer, 'listening');
  const origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

  const browser = await launchChromium();
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`${origin}/`);

  return {
    async run(target, cases) {
      const input: WhatwgRunInput = { url: target.url, cases };
      plan = JSON.stringify(input);
      const results = new Promise<string>((resolve) => {
        delivered = resolve;
      });
      await page.evaluate(async () => {
        const run = (globalThis as unknown as { runWhatwgCases: typeof runWhatwgCases }).runWhatwgCases;
        const fetched = (await (await fetch('/plan')).json()) as WhatwgRunInput;
        const body = JSON.stringify(await run(fetched));
        const posted = await fetch('/results', { method: 'POST', body });
        if (!posted.ok) throw new Error(`posting the results: HTTP ${posted.status}`);
      });
      return JSON.parse(await results) as CaseResult[];
    },
    async close() {
      await browser.close();
      pageServer.closeAllConnections();
      pageServer.close();
      await once(pageServer, 'close');
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
