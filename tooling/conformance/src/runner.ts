import type { ConformanceCase } from './cases.js';
import { channelWords } from './channel.js';
import { failFastProblems, grade, progress, renderSequence, type Verdict } from './grading.js';
import { Peer, type PeerExtension, type PeerSnapshot } from './peer.js';

export interface TargetAddress {
  host: string;
  port: number;
  path?: string;
  tls: boolean;
  /** Over an HTTP/2 stream (RFC 8441 extended CONNECT; needs `tls`). */
  http2?: boolean;
  ca?: string;
}

export interface RunOptions {
  /** Replaces the official suite's 1 s pauses. Default 300 ms. */
  gapMs?: number;
  /**
   * Fail-fast windows (6.4.x): after the invalid part, how long the server has to fail the
   * connection before the rest is sent; the wait ends when it does. Default: `gapMs`.
   */
  failFastTimeoutMs?: number;
  /** How long a case that must be failed by the server waits for its close (the suite's killAfter). */
  failTimeoutMs?: number;
  /** After our close: how long to wait for the server's. */
  closeTimeoutMs?: number;
  /** After the closing handshake: how long to wait for the server to close TCP. */
  dropTimeoutMs?: number;
  /** When no events are expected: how long to watch for stray ones before closing. */
  settleMs?: number;
  extension?: PeerExtension;
}

export interface CaseReport {
  id: string;
  verdict: Verdict;
  snapshot: PeerSnapshot;
  durationMs: number;
}

const DEFAULTS = { gapMs: 300, failTimeoutMs: 2000, closeTimeoutMs: 2000, dropTimeoutMs: 2000, settleMs: 100 };

/**
 * Plays one case on its own connection and grades it. The ending mirrors the official
 * fuzzing client: when the case expects the peer to close, the peer sends its close as
 * soon as the observed events equal the expected ones (or can no longer), else after a
 * short settle; when the server must fail the connection, the peer waits for the
 * server's close and answers it. Then it waits for the server to close TCP.
 */
export async function runCase(
  c: ConformanceCase,
  target: TargetAddress,
  options: RunOptions = {},
): Promise<CaseReport> {
  const o = { ...DEFAULTS, ...options };
  const started = performance.now();
  const extension = c.extension?.() ?? o.extension;
  const peer = await Peer.connect({
    host: target.host,
    port: target.port,
    path: target.path ?? '/',
    tls: target.tls,
    http2: target.http2 === true,
    ...(target.ca ? { ca: target.ca } : {}),
    ...(extension ? { extension } : {}),
  });
  let scriptError: unknown;
  try {
    await c.script(peer, {
      gapMs: o.gapMs,
      failFastTimeoutMs: o.failFastTimeoutMs ?? o.gapMs,
      ...(extension ? { extension } : {}),
    });
  } catch (err) {
    scriptError = err;
  }
  if (c.expectedClose.closedByMe) {
    if (peer.isOpen) {
      const nothingExpected = Object.values(c.expected).every((seq) => seq.length === 0);
      if (nothingExpected) await peer.waitFor(() => !peer.isOpen || peer.events.length > 0, o.settleMs);
      else {
        await peer.waitFor(
          () => !peer.isOpen || progress(peer.events, c.expected) !== 'pending',
          c.eventTimeoutMs ?? 3000,
        );
      }
      if (peer.isOpen) await peer.sendClose(c.expectedClose.closeCode[0] ?? 1000);
    }
  } else {
    await peer.waitFor(
      () => peer.closeReceived !== null || peer.serverTcpEnd !== null || peer.socketClosed,
      o.failTimeoutMs,
    );
    if (!peer.closeReceived && !peer.serverTcpEnd && !peer.socketClosed) {
      peer.drop(`the server did not fail the connection within ${o.failTimeoutMs} ms`);
    }
  }
  await peer.awaitClosure({ closeTimeoutMs: o.closeTimeoutMs, dropTimeoutMs: o.dropTimeoutMs });
  const snapshot = peer.snapshot();
  const verdict = grade(c.expected, c.expectedClose, snapshot, {
    ...(c.informational ? { informational: true } : {}),
    ...(c.emptyCloseReplyAllowed ? { emptyCloseReplyAllowed: true } : {}),
  });
  if (scriptError) verdict.problems.unshift(`the case script threw: ${(scriptError as Error).stack ?? scriptError}`);
  if (c.failFast) failFastProblems(c.failFast, snapshot, 'server', o.failFastTimeoutMs ?? o.gapMs, verdict.problems);
  return { id: c.id, verdict, snapshot, durationMs: Math.round(performance.now() - started) };
}

export function formatReport(c: ConformanceCase, report: CaseReport, logLines = 60): string {
  const r = report.snapshot;
  const v = report.verdict;
  const close = (x: PeerSnapshot['closeSent']) =>
    x
      ? `code ${x.code ?? 'none'}${x.reason.length ? ` reason ${JSON.stringify(Buffer.from(x.reason).toString())}` : ''} @${x.at}ms`
      : 'none';
  const words = channelWords(r.transport);
  const lines = [
    `Case ${c.id}: ${c.description} (over ${r.transport})`,
    ...(c.note ? [`  note: ${c.note}`] : []),
    `  official grading: behaviour ${v.behavior}, close ${v.behaviorClose} (${v.officialPass ? 'pass' : 'fail'} in Autobahn terms)`,
    '  problems:',
    ...v.problems.map((p) => `    - ${p}`),
    `  expected close: codes ${c.expectedClose.closeCode.join('/')}, closedByMe ${c.expectedClose.closedByMe}, requireClean ${c.expectedClose.requireClean}`,
    `  observed: events ${renderSequence(r.events)}`,
    `            close sent ${close(r.closeSent)}, close received ${close(r.closeReceived)}, closedByMe ${r.closedByMe}`,
    `            server end of ${words.connection} ${serverEnd(r)}, droppedByMe ${r.droppedByMe}, wasClean ${r.wasClean}`,
    `  wire log (last ${logLines} lines):`,
    ...r.log.slice(-logLines).map((l) => `    ${l}`),
  ];
  return lines.join('\n');
}

/** "FIN @12.3ms", "RST_STREAM CANCEL (8) @40ms", "END_STREAM @9ms, then RST_STREAM ... @11ms", "none". */
function serverEnd(r: PeerSnapshot): string {
  const words = channelWords(r.transport);
  const at = r.serverTcpEndAt !== null ? ` @${r.serverTcpEndAt}ms` : '';
  if (r.serverTcpEnd === null) return 'none';
  if (r.serverTcpEnd === 'reset') return `${r.serverReset?.detail ?? words.reset}${at}`;
  return `${words.end}${at}${r.serverReset ? `, then ${r.serverReset.detail} @${r.serverReset.at}ms` : ''}`;
}
