import {
  type ExpectedClose,
  type ExpectedOutcomes,
  failFastProblems,
  officialGrade,
  type Verdict,
} from '../grading.js';
import type { ServerPeerSnapshot } from './server-peer.js';

/**
 * Grading of a CLIENT under test, in the same two layers as `src/grading.ts`:
 *
 * - `official`: what Autobahn|Testsuite reports in its fuzzing-server mode (its
 *   case.py with `isServer` true): behaviour OK / NON-STRICT when the events equal
 *   that grade's sequence; close behaviour checks closedByMe, then requireClean (the
 *   suite's wasClean: a valid close frame came from the client and the server sent
 *   its own), then the client's code "or empty". FAILED BY CLIENT only exists when
 *   the suite is the client, so it never appears here.
 * - `problems`: our strict reading. Anything short of behaviour OK; no close frame
 *   from the client, or one with a code not listed; an incomplete closing handshake;
 *   the client closing TCP before the server did (a client should wait for the
 *   server's FIN, RFC 6455 §5.5.1/§7.1.1); a client that never closes TCP after the
 *   server's FIN; any client frame unmasked (§5.1) or otherwise malformed; an invalid
 *   opening handshake request; and, in fail-fast cases, a close outside the window.
 */

export interface ClientGradeOptions {
  /** The suite reports the case as informational (7.1.6, 7.13.x). */
  informational?: boolean;
  /** The server's close had no code (7.3.1): an empty close in reply is fine. */
  emptyCloseReplyAllowed?: boolean;
  /** The client must fail after mark `after` was recorded and before mark `before` (6.4.x). */
  failFast?: { after: string; before: string };
  /** How long the client had to fail after the invalid part of a fail-fast case, for the report. */
  failFastWindowMs?: number;
}

export function gradeClient(
  expected: ExpectedOutcomes,
  expectedClose: ExpectedClose,
  r: ServerPeerSnapshot,
  options: ClientGradeOptions = {},
): Verdict {
  const problems: string[] = [];

  // Close behaviour as the suite-as-server sees it: its own close frame sent and the
  // client's received, then the suite drops TCP itself (so never FAILED BY CLIENT).
  const clientCode = r.closeReceived?.code;
  const officialWasClean = r.closeReceived !== null && r.closeReceivedValid && r.closeSent !== null;
  const { behavior, behaviorClose, officialPass } = officialGrade(
    expected,
    expectedClose,
    r.events,
    { closedByMe: r.closedByMe, wasClean: officialWasClean, remoteCode: clientCode, droppedByPeer: false },
    options.informational === true,
    problems,
  );

  // Strict: every case ends with a complete closing handshake, then the server's FIN,
  // then the client's.
  const codes = expectedClose.closeCode.join(' or ');
  if (!r.closeReceived) {
    problems.push(
      expectedClose.closedByMe
        ? "the client never answered the server's close frame"
        : `the client did not fail the connection: no close frame from it (expected ${codes})`,
    );
  } else if (expectedClose.closedByMe !== r.closedByMe) {
    problems.push(
      expectedClose.closedByMe
        ? `the client sent a close frame (code ${clientCode ?? 'none'}) before the server's: it should not have failed the connection`
        : `the client did not fail the connection: it only answered the server's close`,
    );
  }
  if (r.closeReceived) {
    if (clientCode === undefined) {
      if (!(options.emptyCloseReplyAllowed && r.closedByMe)) {
        problems.push(`the client's close frame has no code, expected ${codes}`);
      }
    } else if (!expectedClose.closeCode.includes(clientCode)) {
      problems.push(`the client closed with code ${clientCode}, expected ${codes}`);
    }
  }
  if (r.closeReceived && !r.closeSent) {
    problems.push("the server could not answer the client's close frame: the connection was already gone");
  }

  if (r.clientClosedFirst && r.clientTcpEndAt !== null) {
    const how = r.clientTcpEnd === 'reset' ? 'reset TCP (RST)' : 'closed TCP (FIN)';
    if (r.handshakeCompleteAt !== null && r.clientTcpEndAt >= r.handshakeCompleteAt) {
      problems.push(
        `the client ${how} ${Math.round(r.clientTcpEndAt - r.handshakeCompleteAt)} ms after the closing handshake, ` +
          "without waiting for the server's FIN (RFC 6455 §7.1.1: the server closes TCP first)",
      );
    } else {
      problems.push(
        `the client ${how} at ${r.clientTcpEndAt} ms, before the closing handshake was complete` +
          `${r.closeReceived ? '' : ' (it never sent a close frame)'}`,
      );
    }
  }
  if (r.droppedByMe) problems.push(`the server had to drop TCP: ${r.dropReason ?? 'a deadline passed'}`);
  for (const p of r.request.problems) problems.push(`opening handshake request: ${p}`);
  for (const v of r.violations) problems.push(`client protocol violation: ${v}`);

  if (options.failFast) failFastProblems(options.failFast, r, 'client', options.failFastWindowMs, problems);

  return { behavior, behaviorClose, officialPass, problems };
}
