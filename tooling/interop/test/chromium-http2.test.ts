/**
 * Chromium's own WebSocket over HTTP/2 (RFC 8441) against @websock/server, from an HTTPS page
 * served over HTTP/2 by the same node:http2 server (see src/https-page-server.ts).
 *
 * What Chromium does (Debian's chromium 156, checked with its net-log, `--log-net-log`):
 * - WebSockets over HTTP/2 are on by default: no command-line switch or `--enable-features`
 *   entry is needed (the binary has no feature for them; `kEnableWebsocketsOverHttp3` is the
 *   only one left, for HTTP/3). The net-log shows `HTTP2_SESSION_RECV_SETTING` id 8
 *   (SETTINGS_ENABLE_CONNECT_PROTOCOL) = 1, then `HTTP2_SESSION_SEND_HEADERS` with
 *   `:method: CONNECT`, `:protocol: websocket` on the page's session.
 * - Chromium never negotiates HTTP/2 for a connection of a WebSocket's own: the TLS ClientHello of
 *   a wss:// connection offers ALPN `http/1.1` only (a `fetch` offers `h2, http/1.1`). A WebSocket
 *   goes over HTTP/2 only when Chromium already has an HTTP/2 session to the origin (here the
 *   page's) whose server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1; otherwise it opens its own
 *   HTTP/1.1 connection and upgrades. Both fallbacks are tested below.
 * - The self-signed certificate does not stop the pooling: with Playwright's `ignoreHTTPSErrors`
 *   (the DevTools protocol's certificate-error override), with `--ignore-certificate-errors` and
 *   with the certificate's key pinned by `--ignore-certificate-errors-spki-list=<sha256 of the
 *   SPKI, base64>` alike, the WebSocket rides the page's HTTP/2 session.
 *
 * "Rode the page's connection" is checked from both ends: the server reports `ws.transport`
 * 'http2' for every WebSocket, the page's navigation reports `nextHopProtocol` 'h2', and the
 * site accepted exactly one TLS connection, with ALPN `h2`.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { binary, binaryOfBytes, type CaseResult, ECHO_CASES, type EchoCase, text } from '../src/cases.js';
import { CLOSE_CASES } from '../src/close-cases.js';
import { type HttpsPageServer, startHttpsPageServer } from '../src/https-page-server.js';
import { launchChromium } from '../src/peers/chromium.js';
import { runWhatwgCases } from '../src/peers/whatwg.js';
import {
  attachScriptedServer,
  type ScriptedServer,
  startScriptedServer,
  type TransportKind,
} from '../src/scripted-server.js';
import { testCertificate } from '../src/servers.js';
import { type CloseOutcome, expectCloseOutcome } from './support/close-suite.js';
import { expectEchoResult } from './support/echo-suite.js';

type Cert = Awaited<ReturnType<typeof testCertificate>>;

let cert: Cert;
let browser: Browser | undefined;

beforeAll(async () => {
  cert = await testCertificate();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

// What a test started, stopped in reverse order after it (also when it failed).
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The shared echo cases but the 1 MiB ones (the plain Chromium suite has those, over wss:// too). */
const H2_CASES = ECHO_CASES.filter((echoCase) => !echoCase.name.endsWith('1 MiB'));

/** Text and binary echoed, then a client close with a code and a reason. */
const SMOKE_CASE: EchoCase = {
  name: 'text and binary echoed, closed with 4000 and a reason',
  messages: [text('über HTTP/2 ✓'), binary(binaryOfBytes(1000, 7))],
  close: { code: 4000, reason: 'done ✓' },
  expectClose: { code: 4000, reason: '' },
  expectProtocol: '',
};

/** A site: the HTTPS page server with the scripted WebSocket server attached before anyone connects. */
async function startSite(deflate = false): Promise<{ site: HttpsPageServer; websockets: ScriptedServer }> {
  const site = await startHttpsPageServer(cert);
  const websockets = attachScriptedServer(site.server, site.origin.replace('https:', 'wss:'), deflate);
  return { site, websockets };
}

/** A fresh browser context (its own socket pools and HTTP/2 sessions) and one page in it. */
async function newPage(
  from: Browser | undefined = browser,
  ignoreHTTPSErrors = true,
): Promise<{ context: BrowserContext; page: Page }> {
  if (from === undefined) throw new Error('Chromium did not start');
  const context = await from.newContext({ ignoreHTTPSErrors });
  return { context, page: await context.newPage() };
}

/** Navigates to `url`: the response's status and the protocol the page itself came over. */
async function visit(page: Page, url: string): Promise<{ status: number | undefined; protocol: string }> {
  const response = await page.goto(url);
  const protocol = await page.evaluate(
    () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.nextHopProtocol,
  );
  return { status: response?.status(), protocol: protocol ?? 'none' };
}

/** Runs the cases with the page's own WebSocket (one connection per case, one after the other). */
function runCases(page: Page, url: string, cases: readonly EchoCase[]): Promise<CaseResult[]> {
  return page.evaluate(runWhatwgCases, { url, cases });
}

/** The WebSocket server's record once `count` connections have closed on its side. */
async function transportsAfter(websockets: ScriptedServer, count: number): Promise<readonly TransportKind[]> {
  await websockets.closed(count);
  return websockets.transports;
}

describe.each([
  { name: '', deflate: false },
  { name: ' + permessage-deflate', deflate: true },
])('Chromium: an HTTPS page over HTTP/2 and its WebSockets on its connection$name', ({ deflate }) => {
  let site: HttpsPageServer | undefined;
  let websockets: ScriptedServer | undefined;
  let context: BrowserContext | undefined;
  let navigation: { status: number | undefined; protocol: string } | undefined;
  let results: CaseResult[] = [];
  let transports: readonly TransportKind[] = [];

  beforeAll(async () => {
    ({ site, websockets } = await startSite(deflate));
    let page: Page;
    ({ context, page } = await newPage());
    navigation = await visit(page, `${site.origin}/`);
    results = await runCases(page, websockets.url, H2_CASES);
    transports = await transportsAfter(websockets, H2_CASES.length);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await websockets?.close();
    await site?.close();
  });

  it('the page came over HTTP/2 and every WebSocket rode its connection (extended CONNECT)', () => {
    expect(navigation).toEqual({ status: 200, protocol: 'h2' });
    expect(site?.pageRequests[0]).toEqual({ path: '/', httpVersion: '2.0' });
    expect(site?.connections, 'TLS connections to the site, by ALPN protocol').toEqual(['h2']);
    expect(transports).toEqual(H2_CASES.map(() => 'http2'));
  });

  it.each(H2_CASES.map((echoCase, index) => ({ echoCase, index, title: echoCase.name })))(
    '$title',
    ({ echoCase, index }) => {
      expectEchoResult(echoCase, results[index], { deflate, exposesWasClean: true });
    },
  );
});

describe('Chromium closing over HTTP/2: a page and a scripted server per case', () => {
  const outcomes: CloseOutcome[] = [];
  const transports: Array<readonly TransportKind[]> = [];

  beforeAll(async () => {
    for (const closeCase of CLOSE_CASES) {
      const { site, websockets } = await startSite();
      const { context, page } = await newPage();
      try {
        await visit(page, `${site.origin}/`);
        const [client] = await runCases(page, websockets.url, [closeCase]);
        // The page has seen its close event; the server reports its own once the stream is gone.
        outcomes.push({ client, server: [...(await websockets.closed(1))] });
        transports.push([...websockets.transports]);
      } finally {
        await context.close();
        await websockets.close();
        await site.close();
      }
    }
  }, 60_000);

  it('every case ran on the page’s HTTP/2 connection', () => {
    expect(transports).toEqual(CLOSE_CASES.map(() => ['http2']));
  });

  it.each(CLOSE_CASES.map((closeCase, index) => ({ closeCase, index, title: closeCase.name })))(
    '$title',
    ({ closeCase, index }) => {
      expectCloseOutcome(closeCase, outcomes[index], false);
    },
  );
});

/** The base64 SHA-256 of the certificate's public key (SPKI, DER): what Chromium's SPKI list takes. */
function spkiHash(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

describe.each([
  { name: '--ignore-certificate-errors', args: (): string[] => ['--ignore-certificate-errors'] },
  {
    name: '--ignore-certificate-errors-spki-list (the certificate’s key pinned)',
    args: (pem: string): string[] => [`--ignore-certificate-errors-spki-list=${spkiHash(pem)}`],
  },
])('Chromium accepting the self-signed certificate with $name', ({ args }) => {
  it('still opens the WebSocket on the page’s HTTP/2 session', async () => {
    const own = await launchChromium(args(cert.cert));
    cleanups.push(() => own.close());
    const { site, websockets } = await startSite();
    cleanups.push(
      () => site.close(),
      () => websockets.close(),
    );
    // No certificate-error override in the context: the switch alone must make the page load.
    const { page } = await newPage(own, false);
    expect(await visit(page, `${site.origin}/`)).toEqual({ status: 200, protocol: 'h2' });
    const [result] = await runCases(page, websockets.url, [SMOKE_CASE]);
    expectEchoResult(SMOKE_CASE, result, { deflate: false, exposesWasClean: true });
    expect(await transportsAfter(websockets, 1)).toEqual(['http2']);
    expect(site.connections).toEqual(['h2']);
  });
});

describe('Chromium falls back to HTTP/1.1 where it has no HTTP/2 session that allows extended CONNECT', () => {
  it('no HTTP/2 session to the origin: the WebSocket connects on its own, offering only http/1.1', async () => {
    const { site, websockets } = await startSite();
    cleanups.push(
      () => site.close(),
      () => websockets.close(),
    );
    const { context, page } = await newPage();
    cleanups.push(() => context.close());
    // The page stays about:blank: nothing has connected to the site before the WebSocket. The
    // server prefers h2 in ALPN, so `http/1.1` chosen means Chromium did not offer h2.
    const [result] = await runCases(page, websockets.url, [SMOKE_CASE]);
    expectEchoResult(SMOKE_CASE, result, { deflate: false, exposesWasClean: true });
    expect(await transportsAfter(websockets, 1)).toEqual(['tls']);
    expect(site.connections).toEqual(['http/1.1']);
  });

  it('the page’s session predates the WebSocket server (no SETTINGS_ENABLE_CONNECT_PROTOCOL): a second connection, HTTP/1.1', async () => {
    const site = await startHttpsPageServer(cert);
    cleanups.push(() => site.close());
    const { context, page } = await newPage();
    cleanups.push(() => context.close());
    expect(await visit(page, `${site.origin}/`)).toEqual({ status: 200, protocol: 'h2' });
    // Attaching turns the setting on for sessions that start from now on, not for the page's.
    const websockets = attachScriptedServer(site.server, site.origin.replace('https:', 'wss:'), false);
    cleanups.push(() => websockets.close());
    const [result] = await runCases(page, websockets.url, [SMOKE_CASE]);
    expectEchoResult(SMOKE_CASE, result, { deflate: false, exposesWasClean: true });
    expect(await transportsAfter(websockets, 1)).toEqual(['tls']);
    expect(site.connections).toEqual(['h2', 'http/1.1']);
  });
});

describe('Chromium against the standalone server (`createServer({ http2: true, tls })`)', () => {
  it('a navigation to it (405 over HTTP/2) leaves an HTTP/2 session, and the WebSocket rides it', async () => {
    const websockets = await startScriptedServer({ name: 'wss:// + HTTP/2', tls: true, deflate: false }, true);
    cleanups.push(() => websockets.close());
    const { context, page } = await newPage();
    cleanups.push(() => context.close());
    // The standalone server serves no pages: anything but a WebSocket gets 405 over HTTP/2.
    expect(await visit(page, `${websockets.url.replace('wss:', 'https:')}/`)).toEqual({ status: 405, protocol: 'h2' });
    const [result] = await runCases(page, websockets.url, [SMOKE_CASE]);
    expectEchoResult(SMOKE_CASE, result, { deflate: false, exposesWasClean: true });
    expect(await transportsAfter(websockets, 1)).toEqual(['http2']);
  });
});
