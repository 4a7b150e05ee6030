import { channelWords } from './channel.js';
import { toHex } from './frame-writer.js';
import type { ObservedEvent, PeerSnapshot } from './peer.js';

/**
 * Grading, in two layers:
 * - `official`: what Autobahn|Testsuite would report (its case.py rules: behaviour OK
 *   or NON-STRICT when the events equal one expected sequence; close behaviour checks
 *   closedByMe, then requireClean, then the code "or empty", then who dropped TCP).
 * - `problems`: our strict reading, which fails a case for anything short of OK:
 *   NON-STRICT behaviour, a missing close frame, a close code absent or not listed,
 *   an incomplete close handshake, TCP closed by the peer (or reset) instead of by the
 *   server, and any protocol violation in what the server sent.
 * Over an HTTP/2 stream the same rules hold with END_STREAM for FIN and RST_STREAM (any
 * error code) for RST: a clean close is the closing handshake, then the server's
 * END_STREAM, and no reset at all, not even after END_STREAM.
 */

export type ExpectedEvent =
  | { type: 'message'; data: Uint8Array; binary: boolean }
  | { type: 'pong'; data: Uint8Array }
  | { type: 'ping'; data: Uint8Array }
  | { type: 'timeout'; tag: string };

/** Grade name ('OK', 'NON-STRICT') → the one event sequence that earns it. */
export type ExpectedOutcomes = Record<string, ExpectedEvent[]>;

export interface ExpectedClose {
  closeCode: number[];
  closedByMe: boolean;
  requireClean: boolean;
  closedByWrongEndpointIsFatal?: boolean;
}

export type Behavior = 'OK' | 'NON-STRICT' | 'FAILED' | 'INFORMATIONAL';
export type BehaviorClose = 'OK' | 'FAILED' | 'UNCLEAN' | 'WRONG CODE' | 'FAILED BY CLIENT' | 'INFORMATIONAL';

export interface Verdict {
  behavior: Behavior;
  behaviorClose: BehaviorClose;
  /** Would the official suite count this case as passed (OK, NON-STRICT or INFORMATIONAL)? */
  officialPass: boolean;
  /** Strict failures; empty means the case passes for us. */
  problems: string[];
}

export interface GradeOptions {
  /** Official suite reports the case as informational (7.1.6, 7.13.x). */
  informational?: boolean;
  /** Our close frame had no code (7.3.1): an empty close in answer is fine. */
  emptyCloseReplyAllowed?: boolean;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function eventMatches(observed: ObservedEvent, expected: ExpectedEvent): boolean {
  if (observed.type !== expected.type) return false;
  switch (expected.type) {
    case 'message':
      return (
        observed.type === 'message' && observed.binary === expected.binary && sameBytes(observed.data, expected.data)
      );
    case 'pong':
    case 'ping':
      return (observed.type === 'pong' || observed.type === 'ping') && sameBytes(observed.data, expected.data);
    case 'timeout':
      return observed.type === 'timeout' && observed.tag === expected.tag;
  }
}

export function sequenceMatches(observed: readonly ObservedEvent[], expected: readonly ExpectedEvent[]): boolean {
  return observed.length === expected.length && observed.every((e, i) => eventMatches(e, expected[i] as ExpectedEvent));
}

/**
 * 'match': equals some expected sequence; 'pending': a strict prefix of one (more may
 * come); 'deviated': can no longer match anything.
 */
export function progress(
  observed: readonly ObservedEvent[],
  outcomes: ExpectedOutcomes,
): 'match' | 'pending' | 'deviated' {
  let pending = false;
  for (const seq of Object.values(outcomes)) {
    if (observed.length > seq.length) continue;
    if (!observed.every((e, i) => eventMatches(e, seq[i] as ExpectedEvent))) continue;
    if (observed.length === seq.length) return 'match';
    pending = true;
  }
  return pending ? 'pending' : 'deviated';
}

const textDecoder = new TextDecoder();

function renderBytes(data: Uint8Array, binary: boolean): string {
  if (!binary && data.length <= 80) {
    try {
      return JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(data));
    } catch {
      return `0x${toHex(data, 40)} (invalid UTF-8)`;
    }
  }
  if (!binary) return `${JSON.stringify(textDecoder.decode(data.subarray(0, 40)))}... (${data.length} bytes)`;
  return data.length === 0
    ? '0x (0 bytes)'
    : `0x${toHex(data, 24)}${data.length <= 24 ? ` (${data.length} bytes)` : ''}`;
}

export function renderEvent(e: ObservedEvent | ExpectedEvent): string {
  switch (e.type) {
    case 'message':
      return `message(${e.binary ? 'binary' : 'text'} ${renderBytes(e.data, e.binary)})`;
    case 'pong':
    case 'ping':
      return `${e.type}(${renderBytes(e.data, true)})`;
    case 'timeout':
      return `timeout(${e.tag})${'at' in e ? ` @${e.at}ms` : ''}`;
  }
}

export function renderSequence(events: readonly (ObservedEvent | ExpectedEvent)[]): string {
  if (events.length > 12) {
    const head = events.slice(0, 5).map(renderEvent).join(', ');
    const tail = events.slice(-3).map(renderEvent).join(', ');
    return `[${head}, ... ${events.length - 8} more ..., ${tail}]`;
  }
  return `[${events.map(renderEvent).join(', ')}]`;
}

/** What the official close grading looks at, from the suite's side of the connection. */
export interface OfficialCloseFacts {
  closedByMe: boolean;
  wasClean: boolean;
  /** The other endpoint's close code, if its close frame carried one. */
  remoteCode: number | undefined;
  /** The suite's side dropped TCP (graded FAILED BY CLIENT when the suite is the client). */
  droppedByPeer: boolean;
}

/**
 * The official grading, shared by both directions: behaviour is the first grade whose
 * event sequence equals what was observed (OK wins); close behaviour follows the
 * suite's order of checks. Adds a problem when the behaviour is not OK.
 */
export function officialGrade(
  expected: ExpectedOutcomes,
  expectedClose: ExpectedClose,
  events: PeerSnapshot['events'],
  close: OfficialCloseFacts,
  informational: boolean,
  problems: string[],
): { behavior: Behavior; behaviorClose: BehaviorClose; officialPass: boolean } {
  let behavior: Behavior = 'FAILED';
  for (const [name, seq] of Object.entries(expected)) {
    if (sequenceMatches(events, seq)) {
      behavior = name === 'OK' ? 'OK' : name === 'NON-STRICT' ? 'NON-STRICT' : 'FAILED';
      if (behavior === 'OK') break;
    }
  }
  if (behavior !== 'OK') {
    const wanted = Object.entries(expected)
      .map(([name, seq]) => `${name}: ${renderSequence(seq)}`)
      .join('; ');
    problems.push(`behaviour ${behavior}: observed ${renderSequence(events)}, expected ${wanted}`);
  }

  let behaviorClose: BehaviorClose;
  if (expectedClose.closedByMe !== close.closedByMe) {
    behaviorClose = 'FAILED';
    if (expectedClose.closedByWrongEndpointIsFatal) behavior = 'FAILED';
  } else if (expectedClose.requireClean && !close.wasClean) behaviorClose = 'UNCLEAN';
  else if (close.remoteCode !== undefined && !expectedClose.closeCode.includes(close.remoteCode)) {
    behaviorClose = 'WRONG CODE';
  } else if (close.droppedByPeer) behaviorClose = 'FAILED BY CLIENT';
  else behaviorClose = 'OK';

  if (informational) {
    behavior = 'INFORMATIONAL';
    behaviorClose = 'INFORMATIONAL';
  }
  const officialPass =
    (behavior === 'OK' || behavior === 'NON-STRICT' || behavior === 'INFORMATIONAL') &&
    (behaviorClose === 'OK' || behaviorClose === 'INFORMATIONAL');
  return { behavior, behaviorClose, officialPass };
}

export function grade(
  expected: ExpectedOutcomes,
  expectedClose: ExpectedClose,
  r: PeerSnapshot,
  options: GradeOptions = {},
): Verdict {
  const problems: string[] = [];

  const remoteCode = r.closeReceived?.code;
  const { behavior, behaviorClose, officialPass } = officialGrade(
    expected,
    expectedClose,
    r.events,
    {
      closedByMe: r.closedByMe,
      wasClean: r.wasClean,
      remoteCode,
      droppedByPeer: r.droppedByMe,
    },
    options.informational === true,
    problems,
  );

  // Strict close checks: every case must end in a complete closing handshake and the
  // server closing TCP, whoever started it.
  if (!r.closeReceived) {
    problems.push(
      expectedClose.closedByMe
        ? 'the server never sent a close frame'
        : 'the server did not fail the connection: no close frame from it',
    );
  } else if (expectedClose.closedByMe !== r.closedByMe) {
    problems.push(
      expectedClose.closedByMe
        ? `the server sent a close frame (code ${remoteCode ?? 'none'}) before the peer's close: it should not have failed the connection`
        : `the server did not fail the connection: it only answered the peer's close`,
    );
  }
  if (r.closeReceived) {
    const codes = expectedClose.closeCode.join(' or ');
    if (remoteCode === undefined) {
      if (!(options.emptyCloseReplyAllowed && r.closedByMe))
        problems.push(`the server's close frame has no code, expected ${codes}`);
    } else if (!expectedClose.closeCode.includes(remoteCode)) {
      problems.push(`the server closed with code ${remoteCode}, expected ${codes}`);
    }
  }
  if (!r.closeSent && r.closeReceived)
    problems.push('the peer could not answer the close frame (connection already gone)');
  closingProblems(r, problems);
  for (const v of r.violations) problems.push(`server protocol violation: ${v}`);

  return { behavior, behaviorClose, officialPass, problems };
}

/** Who closed the transport, and how: the server, cleanly (FIN / END_STREAM), after its close frame. */
function closingProblems(r: PeerSnapshot, problems: string[]): void {
  const { connection: conn, end, reset } = channelWords(r.transport);
  if (r.droppedByMe) {
    problems.push(
      `the peer had to drop ${conn}: the server did not close it${r.closeReceived && r.closeSent ? ' after the closing handshake' : ''}`,
    );
  } else if (r.serverTcpEnd === null) problems.push(`${capitalized(conn)} was not closed by the server`);
  else {
    if (r.serverTcpEnd === 'reset') {
      problems.push(`the server reset ${conn} (${r.serverReset?.detail ?? reset}) instead of closing it (${end})`);
    } else if (r.serverReset) {
      problems.push(`the server reset ${conn} (${r.serverReset.detail}) after closing it (${end})`);
    }
    if (r.serverTcpEndAt !== null && (!r.closeReceived || r.closeReceived.at > r.serverTcpEndAt)) {
      problems.push(`the server closed ${conn} before sending its close frame`);
    } else if (r.serverTcpEndAt !== null && r.closeSent && r.closeSent.at > r.serverTcpEndAt) {
      problems.push(`the server closed ${conn} before the peer's close frame was even sent`);
    }
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Fail-fast timing, both directions: the close from the endpoint under test (`who`)
 * must come after the invalid chop or fragment was sent and before the next one.
 */
export function failFastProblems(
  window: { after: string; before: string },
  r: Pick<PeerSnapshot, 'events' | 'closeReceived'>,
  who: 'server' | 'client',
  windowMs: number | undefined,
  problems: string[],
): void {
  const at = (tag: string) => r.events.find((e) => e.type === 'timeout' && e.tag === tag)?.at;
  const after = at(window.after);
  const before = at(window.before);
  const closeAt = r.closeReceived?.at;
  if (after === undefined) {
    problems.push(`fail-fast: the ${who} closed before the invalid data was sent (no mark ${window.after})`);
  } else if (before !== undefined) {
    problems.push(
      `fail-fast: the connection was still open ${Math.round(before - after)} ms after the invalid data was sent` +
        `${windowMs === undefined ? '' : ` (window ${windowMs} ms)`}: the ${who} failed it only ` +
        `${closeAt === undefined ? 'never' : `after the rest arrived (close at ${closeAt} ms)`}`,
    );
  } else if (closeAt !== undefined && closeAt < after) {
    problems.push(`fail-fast: close at ${closeAt} ms came before the invalid data (sent at ${after} ms)`);
  }
}
