import { progress, renderSequence, type Verdict } from '../grading.js';
import { sleep } from '../peer.js';
import type { ClientCase } from './cases.js';
import { gradeClient } from './grading.js';
import type { FuzzingServer } from './server.js';
import type { ServerPeerSnapshot } from './server-peer.js';

/**
 * Plays one case against a client under test, from the server's side, and grades it.
 * The ending mirrors the suite's fuzzing server: when the case expects the server to
 * close, it sends its close as soon as the events equal the expected ones (or can no
 * longer); when the client must fail the connection, the server waits for the
 * client's close frame and answers it (echoing the code). Either way the server then
 * closes TCP, and waits for the client to close its side.
 */

/** What the client under test itself reported (for the report only: grading uses the wire). */
export interface ClientSideResult {
  /** The client's `close` callback: code, reason, wasClean as the client saw them. */
  close?: { code: number; reason: string; wasClean: boolean };
  /** Errors the client reported (protocol errors with their codes, connect failures). */
  errors: string[];
}

/** An echo client under test: opens `url` and echoes every message back, as the suite expects. */
export interface EchoClient {
  readonly name: string;
  /** Opens the connection; resolves when the client has finished with it (closed or failed to connect). */
  run(url: string): Promise<ClientSideResult>;
}

export interface ClientRunOptions {
  /** Replaces the suite's 1 s pauses (5.19/5.20, between parts of 6.4.x). Default 300 ms. */
  gapMs?: number;
  /**
   * Fail-fast windows (6.4.x): after the invalid part, how long the client has to fail the
   * connection before the rest is sent; the wait ends when it does. Default: `gapMs`.
   */
  failFastTimeoutMs?: number;
  /** How long a case that the client must fail waits for its close (the suite's killAfter). */
  failTimeoutMs?: number;
  /** After the server's close: how long to wait for the client's. */
  closeTimeoutMs?: number;
  /** After the server's FIN: how long to wait for the client to close TCP. */
  dropTimeoutMs?: number;
  /** When no events are expected: how long to watch for stray ones before closing. */
  settleMs?: number;
  /** How long to wait for the client's own close callback after TCP is down. */
  clientReportTimeoutMs?: number;
}

export interface ClientCaseReport {
  id: string;
  client: string;
  verdict: Verdict;
  snapshot: ServerPeerSnapshot | null;
  clientSide: ClientSideResult | null;
  durationMs: number;
}

const DEFAULTS = {
  gapMs: 300,
  failTimeoutMs: 2000,
  closeTimeoutMs: 2000,
  dropTimeoutMs: 2000,
  settleMs: 100,
  clientReportTimeoutMs: 1000,
};

export async function runClientCase(
  c: ClientCase,
  caseNumber: number,
  server: FuzzingServer,
  client: EchoClient,
  options: ClientRunOptions = {},
): Promise<ClientCaseReport> {
  const o = { ...DEFAULTS, ...options };
  const started = performance.now();
  const accepted = server.expect(caseNumber, client.name, c.withHandshake ? { withHandshake: c.withHandshake } : {});
  const clientDone = client.run(server.url(caseNumber, client.name));
  let clientSide: ClientSideResult | null = null;
  void clientDone.then((r) => {
    clientSide = r;
  });

  let peer: Awaited<typeof accepted>['peer'];
  try {
    ({ peer } = await accepted);
  } catch (err) {
    const result = await Promise.race([clientDone, sleep(o.clientReportTimeoutMs).then(() => null)]);
    const errors = result?.errors.length ? ` (client: ${result.errors.join('; ')})` : '';
    return {
      id: c.id,
      client: client.name,
      verdict: {
        behavior: 'FAILED',
        behaviorClose: 'FAILED',
        officialPass: false,
        problems: [`opening handshake: ${(err as Error).message}${errors}`],
      },
      snapshot: null,
      clientSide: result,
      durationMs: Math.round(performance.now() - started),
    };
  }

  let scriptError: unknown;
  try {
    await c.play(peer, { gapMs: o.gapMs, failFastTimeoutMs: o.failFastTimeoutMs ?? o.gapMs });
  } catch (err) {
    scriptError = err;
  }
  if (c.expectedClose.closedByMe) {
    // A script that threw sent what it could: close without waiting for its events.
    if (peer.isOpen && !scriptError) {
      const nothingExpected = Object.values(c.expected).every((seq) => seq.length === 0);
      if (nothingExpected) await peer.waitFor(() => !peer.isOpen || peer.events.length > 0, o.settleMs);
      else {
        await peer.waitFor(
          () => !peer.isOpen || progress(peer.events, c.expected) !== 'pending',
          c.eventTimeoutMs ?? 3000,
        );
      }
    }
    if (peer.isOpen) await peer.sendClose(c.expectedClose.closeCode[0] ?? 1000);
  } else {
    await peer.waitFor(() => peer.closeReceived !== null || peer.clientTcpEnd !== null, o.failTimeoutMs);
    if (!peer.closeReceived && !peer.clientTcpEnd) {
      peer.drop(`the client did not fail the connection within ${o.failTimeoutMs} ms`);
    }
  }
  await peer.awaitClosure({ closeTimeoutMs: o.closeTimeoutMs, dropTimeoutMs: o.dropTimeoutMs });
  await Promise.race([clientDone, sleep(o.clientReportTimeoutMs)]);

  const snapshot = peer.snapshot();
  const verdict = gradeClient(c.expected, c.expectedClose, snapshot, {
    ...(c.informational ? { informational: true } : {}),
    ...(c.emptyCloseReplyAllowed ? { emptyCloseReplyAllowed: true } : {}),
    ...(c.failFast ? { failFast: c.failFast, failFastWindowMs: o.failFastTimeoutMs ?? o.gapMs } : {}),
  });
  if (scriptError) verdict.problems.unshift(`the case script threw: ${(scriptError as Error).stack ?? scriptError}`);
  return {
    id: c.id,
    client: client.name,
    verdict,
    snapshot,
    clientSide,
    durationMs: Math.round(performance.now() - started),
  };
}

export function formatClientReport(c: ClientCase, report: ClientCaseReport, logLines = 60): string {
  const v = report.verdict;
  const lines = [
    `Case ${c.id} (client: ${report.client}): ${c.description}`,
    ...(c.note ? [`  note: ${c.note}`] : []),
    `  official grading (suite as server): behaviour ${v.behavior}, close ${v.behaviorClose} (${v.officialPass ? 'pass' : 'fail'})`,
    '  problems:',
    ...v.problems.map((p) => `    - ${p}`),
    `  expected close: client codes ${c.expectedClose.closeCode.join('/')}, closedByMe (server first) ${c.expectedClose.closedByMe}, requireClean ${c.expectedClose.requireClean}`,
  ];
  const r = report.snapshot;
  if (r) {
    const close = (x: ServerPeerSnapshot['closeSent']) =>
      x
        ? `code ${x.code ?? 'none'}${x.reason.length ? ` reason ${JSON.stringify(Buffer.from(x.reason).toString())}` : ''} @${x.at}ms`
        : 'none';
    lines.push(
      `  observed: events ${renderSequence(r.events)}`,
      `            server close ${close(r.closeSent)}, client close ${close(r.closeReceived)}, closedByMe ${r.closedByMe}`,
      `            handshake complete ${r.handshakeCompleteAt === null ? 'no' : `@${r.handshakeCompleteAt}ms`}, server FIN ${r.finSentAt === null ? 'none' : `@${r.finSentAt}ms`}, client TCP end ${r.clientTcpEnd ?? 'none'}${r.clientTcpEndAt === null ? '' : ` @${r.clientTcpEndAt}ms`}, droppedByServer ${r.droppedByMe}`,
      `            client frames ${r.framesReceived} (${r.unmaskedFrames} unmasked), request ${r.request.method} ${r.request.target}`,
    );
  }
  const cs = report.clientSide;
  if (cs) {
    lines.push(
      `  client's own view: close ${cs.close ? `code ${cs.close.code} reason ${JSON.stringify(cs.close.reason)} wasClean ${cs.close.wasClean}` : 'not reported'}${cs.errors.length ? `, errors: ${cs.errors.join('; ')}` : ''}`,
    );
  }
  if (r) lines.push(`  wire log (last ${logLines} lines):`, ...r.log.slice(-logLines).map((l) => `    ${l}`));
  return lines.join('\n');
}
