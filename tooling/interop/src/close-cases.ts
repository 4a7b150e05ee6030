import { type EchoCase, text } from './cases.js';
import { type ServerAction, type ServerSideClose, scriptPath } from './scripted-server.js';

/**
 * Closing in both directions, against the scripted server (src/scripted-server.ts): what the
 * client saw (code, reason, `wasClean`) and what the server saw. One message each, echoed
 * before anything closes (but where the server goes away). The server's side is written for
 * Chromium, whose answer to a close carries the code and the reason it received.
 */
export interface CloseCase extends EchoCase {
  readonly path: string;
  /** What must come back: all of `messages`, except where the server goes away first. */
  readonly expectEchoes: EchoCase['messages'];
  readonly expectClose: { readonly code: number; readonly reason: string; readonly wasClean: boolean };
  /** The close the server's `close` handler must report. */
  readonly expectServerClose: ServerSideClose;
}

/** 123 bytes of UTF-8, the longest reason a close frame can carry (125 minus the code). */
export const LONGEST_REASON = `${'ü'.repeat(60)}✓`;
if (new TextEncoder().encode(LONGEST_REASON).length !== 123) throw new Error('LONGEST_REASON is not 123 bytes');

function closeCase(
  name: string,
  action: ServerAction,
  rest: Pick<CloseCase, 'close' | 'expectClose' | 'expectServerClose'>,
): CloseCase {
  const messages = [text(`${name} ✓`)];
  // A server that goes away does so on the first message, before echoing it.
  const expectEchoes = action.kind === 'terminate' ? [] : messages;
  return { name, path: scriptPath(action), messages, expectEchoes, expectProtocol: '', ...rest };
}

export const CLOSE_CASES: readonly CloseCase[] = [
  closeCase(
    'client closes with 4000 and a reason: the server sees both, the client its code back',
    { kind: 'echo' },
    {
      close: { code: 4000, reason: 'client done ✓' },
      // The server echoes the status code and not the reason (RFC 6455 §5.5.1).
      expectClose: { code: 4000, reason: '', wasClean: true },
      expectServerClose: { code: 4000, reason: 'client done ✓', wasClean: true },
    },
  ),
  closeCase(
    'client closes with 1000 and the longest reason (123 bytes of UTF-8)',
    { kind: 'echo' },
    {
      close: { code: 1000, reason: LONGEST_REASON },
      expectClose: { code: 1000, reason: '', wasClean: true },
      expectServerClose: { code: 1000, reason: LONGEST_REASON, wasClean: true },
    },
  ),
  closeCase(
    'server closes with 4001 and a reason: the client sees both',
    { kind: 'close', code: 4001, reason: 'server done ✓' },
    {
      expectClose: { code: 4001, reason: 'server done ✓', wasClean: true },
      // Chromium answers a close with the same code and the same reason.
      expectServerClose: { code: 4001, reason: 'server done ✓', wasClean: true },
    },
  ),
  closeCase(
    'server closes with 1000 and the longest reason',
    { kind: 'close', code: 1000, reason: LONGEST_REASON },
    {
      expectClose: { code: 1000, reason: LONGEST_REASON, wasClean: true },
      expectServerClose: { code: 1000, reason: LONGEST_REASON, wasClean: true },
    },
  ),
  closeCase(
    'server closes with no status: the client sees 1005',
    { kind: 'close' },
    {
      expectClose: { code: 1005, reason: '', wasClean: true },
      expectServerClose: { code: 1005, reason: '', wasClean: true },
    },
  ),
  closeCase(
    'server goes away (socket destroyed, no close frame): 1006, not clean',
    { kind: 'terminate' },
    {
      expectClose: { code: 1006, reason: '', wasClean: false },
      expectServerClose: { code: 1006, reason: '', wasClean: false },
    },
  ),
  closeCase(
    'server shuts down (server.close()): the client sees 1001',
    { kind: 'shutdown' },
    {
      expectClose: { code: 1001, reason: '', wasClean: true },
      expectServerClose: { code: 1001, reason: '', wasClean: true },
    },
  ),
];
