/**
 * The one echo suite every peer runs. A case is plain JSON (no functions, no Buffers) so the
 * same list goes unchanged to Node clients, into a browser page and to a Python process.
 */

/** One message as it travels between the test and a peer: binary payloads as base64. */
export type WireMessage = { readonly text: string } | { readonly base64: string };

export interface EchoCase {
  readonly name: string;
  /** Appended to the server's URL (e.g. '/?close=4001'); the scripted server reads it. */
  readonly path?: string;
  /** Subprotocols the client offers; none when absent. */
  readonly protocols?: readonly string[];
  /** Sent in this order without waiting; each must come back unchanged, in the same order. */
  readonly messages: readonly WireMessage[];
  /** The client closes with this after the last echo; when absent, it waits for the server to close. */
  readonly close?: { readonly code: number; readonly reason: string };
  /** The close the client must then see from the server. */
  readonly expectClose: { readonly code: number; readonly reason: string };
  /** Subprotocol the server must select ('' for none). */
  readonly expectProtocol: string;
  /** The case that checks the negotiated extensions against the variant. */
  readonly checksDeflate?: boolean;
}

/** What a peer reports for one case; every runner produces exactly this shape. */
export interface CaseResult {
  readonly opened: boolean;
  /** Why the connection failed or the runner gave up, when it did. */
  readonly error?: string;
  /** Negotiated subprotocol as the client API reports it ('' for none). */
  readonly protocol: string;
  /** Negotiated extensions as the client API reports them ('' for none). */
  readonly extensions: string;
  readonly echoes: readonly WireMessage[];
  /** Close as the client saw it; `wasClean` is null where the API does not expose it. */
  readonly close?: { readonly code: number; readonly reason: string; readonly wasClean: boolean | null };
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** Exactly `bytes` UTF-8 bytes, mixing 1-, 2-, 3- and 4-byte characters (padded with ASCII). */
export function textOfBytes(bytes: number): string {
  const unit = 'echo ü € 😀 ';
  const unitBytes = Buffer.byteLength(unit);
  const whole = Math.floor(bytes / unitBytes);
  const text = unit.repeat(whole) + '.'.repeat(bytes - whole * unitBytes);
  if (Buffer.byteLength(text) !== bytes) throw new Error(`textOfBytes(${bytes}) is off`);
  return text;
}

/** `bytes` bytes covering every byte value, not a repeating short pattern. */
export function binaryOfBytes(bytes: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    // xorshift32: cheap, deterministic, incompressible enough to exercise real deflate output.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const text = (value: string): WireMessage => ({ text: value });
export const binary = (value: Buffer): WireMessage => ({ base64: value.toString('base64') });

const CLOSE_NORMAL = { code: 1000, reason: '' } as const;

const SIZES: ReadonlyArray<readonly [string, number]> = [
  ['0 B', 0],
  ['125 B', 125],
  ['126 B', 126],
  ['64 KiB', 64 * KIB],
  ['1 MiB', MIB],
];

function sized(): EchoCase[] {
  return SIZES.flatMap(([label, size]) => [
    {
      name: `text ${label}`,
      messages: [text(textOfBytes(size))],
      close: CLOSE_NORMAL,
      expectClose: CLOSE_NORMAL,
      expectProtocol: '',
    },
    {
      name: `binary ${label}`,
      messages: [binary(binaryOfBytes(size, size + 1))],
      close: CLOSE_NORMAL,
      expectClose: CLOSE_NORMAL,
      expectProtocol: '',
    },
  ]);
}

/**
 * Sizes past the shared list, for peers that can take them without slowing the whole suite
 * (Chromium runs them; see test/chromium.test.ts).
 */
export const LARGE_CASES: readonly EchoCase[] = [
  {
    name: 'text 4 MiB',
    messages: [text(textOfBytes(4 * MIB))],
    close: CLOSE_NORMAL,
    expectClose: CLOSE_NORMAL,
    expectProtocol: '',
  },
  {
    name: 'binary 4 MiB',
    messages: [binary(binaryOfBytes(4 * MIB, 4 * MIB + 1))],
    close: CLOSE_NORMAL,
    expectClose: CLOSE_NORMAL,
    expectProtocol: '',
  },
];

/** 1,000 messages sent back to back, text and binary interleaved: the echoes must keep the order. */
function burst(): WireMessage[] {
  return Array.from({ length: 1000 }, (_, i) =>
    i % 2 === 0 ? text(`burst #${i} ✓`) : binary(Buffer.from([i >> 8, i & 0xff, 0x00, 0xff])),
  );
}

export const ECHO_CASES: readonly EchoCase[] = [
  ...sized(),
  {
    name: 'multi-byte UTF-8 text (2-, 3- and 4-byte characters, emoji sequences)',
    messages: [
      text('Grüße, Straße — déjà vu'),
      text('€ 日本語 한국어 עברית العربية'),
      text('😀 🎉 𝄞 🏳️‍🌈 👩‍💻 🇪🇺'),
      text('𐍈'.repeat(100)),
    ],
    close: CLOSE_NORMAL,
    expectClose: CLOSE_NORMAL,
    expectProtocol: '',
  },
  {
    name: 'burst of 1,000 messages in order',
    messages: burst(),
    close: CLOSE_NORMAL,
    expectClose: CLOSE_NORMAL,
    expectProtocol: '',
  },
  {
    name: "subprotocol offer ['chat', 'superchat'] selects 'chat'",
    // The echo server is to select the first offered subprotocol. Until that change is in,
    // it selects none: WHATWG clients and `ws` then fail the connection (1006), python-websockets
    // connects with no subprotocol; this case fails for every peer on every variant.
    protocols: ['chat', 'superchat'],
    messages: [text('with a subprotocol')],
    close: CLOSE_NORMAL,
    expectClose: CLOSE_NORMAL,
    expectProtocol: 'chat',
  },
  {
    name: 'client closes with 4000 and a reason; the server echoes the close',
    messages: [text('before the close')],
    close: { code: 4000, reason: 'client done ✓' },
    // The server echoes the status code and not the reason (packages/protocol, connection.ts:
    // "Echo the status code received"), as RFC 6455 §5.5.1 says an endpoint typically does.
    expectClose: { code: 4000, reason: '' },
    expectProtocol: '',
  },
  {
    name: 'permessage-deflate negotiated where the variant has it (compressible 256 KiB text)',
    messages: [
      text('deflate me, deflate me. '.repeat(Math.ceil((256 * KIB) / 24)).slice(0, 256 * KIB)),
      binary(Buffer.alloc(4 * KIB, 7)),
    ],
    close: CLOSE_NORMAL,
    expectClose: CLOSE_NORMAL,
    expectProtocol: '',
    checksDeflate: true,
  },
];

/** The first difference between what was sent and what came back, or undefined; short enough for a failure message. */
export function firstDifference(sent: readonly WireMessage[], echoed: readonly WireMessage[]): string | undefined {
  const count = Math.min(sent.length, echoed.length);
  for (let i = 0; i < count; i++) {
    const a = sent[i]!;
    const b = echoed[i]!;
    if ('text' in a !== 'text' in b)
      return `message ${i}: sent ${'text' in a ? 'text' : 'binary'}, echoed ${'text' in b ? 'text' : 'binary'}`;
    const x = 'text' in a ? a.text : a.base64;
    const y = 'text' in b ? b.text : (b as { base64: string }).base64;
    if (x !== y) {
      let at = 0;
      while (at < x.length && x[at] === y[at]) at++;
      const kind = 'text' in a ? 'text' : 'base64';
      return `message ${i}: ${kind} differs at ${at} (lengths ${x.length} and ${y.length}): sent ${JSON.stringify(x.slice(at, at + 16))}, echoed ${JSON.stringify(y.slice(at, at + 16))}`;
    }
  }
  if (sent.length !== echoed.length) return `sent ${sent.length} messages, ${echoed.length} echoed`;
  return undefined;
}
