import { buildCaseTable, type CaseContext, type ConformanceCase } from '../cases.js';
import { Op } from '../frame-writer.js';
import type { ExpectedClose, ExpectedOutcomes } from '../grading.js';
import type { ReferenceCase } from '../reference.js';
import { encodeServerFrame } from './frame-writer.js';
import { runScriptAsServer } from './script-adapter.js';
import type { ServerPeer } from './server-peer.js';

/**
 * The client suite's table: the shared Autobahn table (`src/cases.ts`, derived from
 * the reference list) with the roles flipped, plus the cases only a client has.
 *
 * In the suite's fuzzing-server mode every case plays the same frames as in its
 * fuzzing-client mode, only from the server (unmasked), and expects the same events
 * (echoes, pongs) and the same close behaviour from the client under test; so each
 * shared case keeps its expectations and its script, run through the server-side
 * adapter.
 */

export interface ClientCase {
  id: string;
  /** Autobahn category; CLIENT_ONLY_CATEGORY for the cases only a client has. */
  category: number;
  description: string;
  expected: ExpectedOutcomes;
  expectedClose: ExpectedClose;
  play(peer: ServerPeer, ctx: CaseContext): Promise<void>;
  informational?: boolean;
  emptyCloseReplyAllowed?: boolean;
  eventTimeoutMs?: number;
  failFast?: { after: string; before: string };
  /** Server frames written in the same TCP write as the 101 answer. */
  withHandshake?: Uint8Array;
  note?: string;
}

/** The Autobahn categories the client suite plays (12/13, permessage-deflate, are not played here). */
export const CLIENT_CATEGORIES = [1, 2, 3, 4, 5, 6, 7, 9, 10] as const;

/** Cases that exist only for clients: masked server frames (M.x), frames sent with the 101 (H.x). */
export const CLIENT_ONLY_CATEGORY = 0;

export function fromSharedCase(c: ConformanceCase): ClientCase {
  if (c.skip)
    throw new Error(`case ${c.id} is marked skipped in the shared table (${c.skip}); the client suite runs every case`);
  return {
    id: c.id,
    category: c.category,
    description: c.description,
    expected: c.expected,
    expectedClose: c.expectedClose,
    play: (peer, ctx) => runScriptAsServer(c, peer, ctx),
    ...(c.informational ? { informational: true } : {}),
    ...(c.emptyCloseReplyAllowed ? { emptyCloseReplyAllowed: true } : {}),
    ...(c.eventTimeoutMs !== undefined ? { eventTimeoutMs: c.eventTimeoutMs } : {}),
    ...(c.failFast ? { failFast: c.failFast } : {}),
    ...(c.note ? { note: c.note } : {}),
  };
}

const enc = new TextEncoder();
/** The masking key of RFC 6455 §5.7's examples. */
const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const HELLO = 'Hello, world!';
const failWith1002: ExpectedClose = { closeCode: [1002], closedByMe: false, requireClean: false };

/**
 * RFC 6455 §5.1: "A client MUST close a connection if it detects a masked frame",
 * with 1002 (§7.4.1). No Autobahn case covers it: the suite's server never masks.
 */
function maskedFrameCases(): ClientCase[] {
  const category = CLIENT_ONLY_CATEGORY;
  return [
    {
      id: 'M.1',
      category,
      description: 'Send a masked text message. The client must fail the connection with 1002 and echo nothing.',
      expected: { OK: [] },
      expectedClose: failWith1002,
      play: (peer) => peer.sendFrame({ opcode: Op.Text, payload: HELLO, mask: KEY }),
    },
    {
      id: 'M.2',
      category,
      description: 'Send a masked text message with an empty payload (mask bit and key, no data): 1002.',
      expected: { OK: [] },
      expectedClose: failWith1002,
      play: (peer) => peer.sendFrame({ opcode: Op.Text, payload: '', mask: KEY }),
    },
    {
      id: 'M.3',
      category,
      description: 'Send a masked ping. The client must fail with 1002 and not answer with a pong.',
      expected: { OK: [] },
      expectedClose: failWith1002,
      play: (peer) => peer.sendFrame({ opcode: Op.Ping, payload: HELLO, mask: KEY }),
    },
    {
      id: 'M.4',
      category,
      description: 'Send an unmasked text fragment, then its masked final continuation frame: 1002, no message echoed.',
      expected: { OK: [] },
      expectedClose: failWith1002,
      play: (peer) =>
        peer.sendFrames([
          { opcode: Op.Text, payload: 'fragment1', fin: false },
          { opcode: Op.Continuation, payload: 'fragment2', mask: KEY },
        ]),
    },
    {
      id: 'M.5',
      category,
      description:
        'Send a valid unmasked text message, then a masked one, in one chop: the first is echoed, then 1002.',
      expected: { OK: [{ type: 'message', data: enc.encode(HELLO), binary: false }], 'NON-STRICT': [] },
      expectedClose: failWith1002,
      play: (peer) =>
        peer.sendFrames([
          { opcode: Op.Text, payload: HELLO },
          { opcode: Op.Text, payload: HELLO, mask: KEY },
        ]),
    },
    {
      id: 'M.6',
      category,
      description:
        'Send a masked close frame (1000). It is not a valid close: the client must answer with 1002, not 1000.',
      expected: { OK: [] },
      expectedClose: { closeCode: [1002], closedByMe: true, requireClean: false },
      play: (peer) => peer.sendCloseFrame({ opcode: Op.Close, payload: Uint8Array.of(0x03, 0xe8), mask: KEY }),
    },
  ];
}

/**
 * RFC 6455 §4.1: once the client has read the 101, what follows on the connection is
 * frames, even when it arrived in the same TCP segment as the response (a server may
 * send at once). A client that parses the head and drops the rest of the chunk loses
 * them. The suite never sends anything with its 101.
 */
function handshakeCases(): ClientCase[] {
  const category = CLIENT_ONLY_CATEGORY;
  const normalClose: ExpectedClose = { closeCode: [1000], closedByMe: true, requireClean: true };
  return [
    {
      id: 'H.1',
      category,
      description: 'Send a text message in the same TCP write as the 101 response. The client must echo it.',
      expected: { OK: [{ type: 'message', data: enc.encode(HELLO), binary: false }] },
      expectedClose: normalClose,
      withHandshake: encodeServerFrame({ opcode: Op.Text, payload: HELLO }),
      play: async () => {},
    },
    {
      id: 'H.2',
      category,
      description: 'Send a ping and a binary message in the same TCP write as the 101 response: pong, then echo.',
      expected: {
        OK: [
          { type: 'pong', data: enc.encode(HELLO) },
          { type: 'message', data: Uint8Array.of(0, 0xff, 0xfe, 0xfd), binary: true },
        ],
      },
      expectedClose: normalClose,
      withHandshake: new Uint8Array([
        ...encodeServerFrame({ opcode: Op.Ping, payload: HELLO }),
        ...encodeServerFrame({ opcode: Op.Binary, payload: Uint8Array.of(0, 0xff, 0xfe, 0xfd) }),
      ]),
      play: async () => {},
    },
  ];
}

/** The cases only a client has: masked server frames, then frames sent with the 101. */
export function clientOnlyCases(): ClientCase[] {
  return [...maskedFrameCases(), ...handshakeCases()];
}

/** Every case of the played categories (none skipped), then the client-only cases. */
export function buildClientCaseTable(refs: readonly ReferenceCase[]): ClientCase[] {
  const played = new Set<number>(CLIENT_CATEGORIES);
  const shared = buildCaseTable(refs.filter((r) => played.has(Number(r.id.split('.')[0]))));
  return [...shared.map(fromSharedCase), ...clientOnlyCases()];
}
