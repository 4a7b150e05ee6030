import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCaseTable, type ConformanceCase } from '../src/cases.js';
import { DEFLATE_BYTES_PER_CASE, DEFLATE_MIN_MESSAGES, deflatePlan } from '../src/deflate-cases.js';
import { MessageDeflater, MessageInflater, SYNC_TAIL } from '../src/deflate-codec.js';
import { CORPORA, corpusData, corpusMessages } from '../src/deflate-corpora.js';
import { DeflatePeerExtension, RSV1 } from '../src/deflate-extension.js';
import {
  acceptDeflateResponse,
  autobahnOffer,
  type DeflateOffer,
  formatOffers,
  parseExtensions,
} from '../src/deflate-negotiation.js';
import { concatBytes, fromHex, Op, toHex } from '../src/frame-writer.js';
import { InflateErrorCode, inflateRaw } from '../src/inflate.js';
import { isUtf8 } from '../src/peer.js';
import { categoryOf, loadReferenceCases, type ReferenceCase } from '../src/reference.js';
import { type RunOptions, runCase } from '../src/runner.js';
import { PATIENT } from './support/patient.js';
import { type RawConnection, type RawServer, startRawServer } from './support/raw-server.js';

/** The permessage-deflate oracle's own tests (categories 12/13): codec, decoder, negotiation, table, misbehaving servers. */

const sync = { finishFlush: constants.Z_SYNC_FLUSH };
const withTail = (payload: Uint8Array) => concatBytes([payload, SYNC_TAIL]);
const stripTail = (out: Uint8Array) => {
  expect(toHex(out.subarray(out.length - 4))).toBe('0000ffff');
  return out.subarray(0, out.length - 4);
};
const text = (s: string) => new TextEncoder().encode(s);
const decodeText = (b: Uint8Array) => new TextDecoder().decode(b);

describe('RFC 7692 §7.2.3 examples', () => {
  it('§7.2.3.1: compresses "Hello" to f2 48 cd c9 c9 07 00 and decodes it back', async () => {
    const deflater = new MessageDeflater({ noContextTakeover: false, windowBits: 15 });
    expect(toHex(await deflater.compress(text('Hello')))).toBe('f248cdc9c90700');
    const inflater = new MessageInflater({ noContextTakeover: false, windowBits: 15 });
    expect(decodeText(inflater.decompress(fromHex('f248cdc9c90700')).data)).toBe('Hello');
  });

  it('§7.2.3.2: with context takeover the second "Hello" is f2 00 11 00 00, a reference into the first', async () => {
    const deflater = new MessageDeflater({ noContextTakeover: false, windowBits: 15 });
    await deflater.compress(text('Hello'));
    expect(toHex(await deflater.compress(text('Hello')))).toBe('f200110000');
    const inflater = new MessageInflater({ noContextTakeover: false, windowBits: 15 });
    inflater.decompress(fromHex('f248cdc9c90700'));
    const second = inflater.decompress(fromHex('f200110000'));
    expect(decodeText(second.data)).toBe('Hello');
    expect(second.inspection.windowReferences).toBe(1);
    expect(second.inspection.maxDistance).toBe(5);
    // Without context takeover each message stands alone.
    const fresh = new MessageDeflater({ noContextTakeover: true, windowBits: 15 });
    await fresh.compress(text('Hello'));
    expect(toHex(await fresh.compress(text('Hello')))).toBe('f248cdc9c90700');
  });

  it('§7.2.3.2: the same reference is refused when server_no_context_takeover was agreed', () => {
    const inflater = new MessageInflater({ noContextTakeover: true, windowBits: 15 });
    inflater.decompress(fromHex('f248cdc9c90700'));
    expect(() => inflater.decompress(fromHex('f200110000'))).toThrow(/server_no_context_takeover was agreed/);
  });

  it('§7.2.3.3: a stored (uncompressed) block', () => {
    const r = new MessageInflater({ noContextTakeover: false, windowBits: 15 }).decompress(
      fromHex('000500faff48656c6c6f00'),
    );
    expect(decodeText(r.data)).toBe('Hello');
    expect(r.inspection.blocks.stored).toBe(2);
  });

  it('§7.2.3.4: a final block (BFINAL) followed by the empty block remains', () => {
    const r = new MessageInflater({ noContextTakeover: false, windowBits: 15 }).decompress(fromHex('f348cdc9c9070000'));
    expect(decodeText(r.data)).toBe('Hello');
    expect(r.inspection.finalBlock).toBe(true);
  });

  it('§7.2.3.5: two DEFLATE blocks in one message', () => {
    const r = new MessageInflater({ noContextTakeover: false, windowBits: 15 }).decompress(
      fromHex('f24805000000ffffcac9c90700'),
    );
    expect(decodeText(r.data)).toBe('Hello');
    expect(r.inspection.blocks).toEqual({ stored: 2, fixed: 2, dynamic: 0 });
  });

  it('§7.2.3.6-like: an empty message compresses to a single 00 byte and back', async () => {
    const out = await new MessageDeflater({ noContextTakeover: true, windowBits: 15 }).compress(new Uint8Array(0));
    expect(toHex(out)).toBe('00');
    expect(new MessageInflater({ noContextTakeover: true, windowBits: 15 }).decompress(out).data.length).toBe(0);
  });
});

describe('the independent DEFLATE decoder against node:zlib', () => {
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    // Compressible: runs and repeats make zlib emit matches and dynamic blocks.
    fc
      .array(fc.tuple(fc.constantFrom('json', 'hello ', 'abcabcabc', '\u00e9t\u00e9 ', '{"k":1}'), fc.nat(40)), {
        maxLength: 200,
      })
      .map((parts) => text(parts.map(([s, n]) => s.repeat(1 + (n % 7))).join(''))),
  );

  it('decodes whatever zlib produces, at any level, window and strategy, and reports distances within the window', () => {
    fc.assert(
      fc.property(
        data,
        fc.integer({ min: 9, max: 15 }),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom(
          constants.Z_DEFAULT_STRATEGY,
          constants.Z_FILTERED,
          constants.Z_HUFFMAN_ONLY,
          constants.Z_RLE,
          constants.Z_FIXED,
        ),
        (input, windowBits, level, strategy) => {
          const out = deflateRawSync(input, { ...sync, windowBits, level, strategy });
          const r = inflateRaw(out);
          expect(Buffer.compare(r.output, input)).toBe(0);
          expect(r.maxDistance).toBeLessThanOrEqual((1 << windowBits) - 262);
          expect(r.finalBlock).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes a stream primed with a preset window (context takeover) like zlib with a dictionary', () => {
    fc.assert(
      fc.property(data, data, (history, input) => {
        const out = deflateRawSync(input, history.length > 0 ? { ...sync, dictionary: history } : sync);
        const r = inflateRaw(out, { window: history });
        expect(Buffer.compare(r.output, input)).toBe(0);
        expect(
          Buffer.compare(r.output, inflateRawSync(out, history.length ? { ...sync, dictionary: history } : sync)),
        ).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('decodes a final block and returns what follows it', () => {
    const r = inflateRaw(withTail(deflateRawSync(text('Hello, final block'))));
    expect(decodeText(r.output)).toBe('Hello, final block');
    expect(r.finalBlock).toBe(true);
    expect(toHex(r.trailing)).toBe('0000ffff');
  });

  it('rejects what RFC 1951 rules out, with a code', () => {
    const code = (bytes: Uint8Array, window?: Uint8Array) => {
      try {
        inflateRaw(bytes, window ? { window } : {});
        return 'ok';
      } catch (err) {
        return (err as { code?: string }).code;
      }
    };
    expect(code(fromHex('07'))).toBe(InflateErrorCode.Invalid); // BTYPE 11
    expect(code(fromHex('000500fafe48656c6c6f'))).toBe(InflateErrorCode.Invalid); // NLEN != ~LEN
    expect(code(fromHex('f248cd'))).toBe(InflateErrorCode.Truncated); // ends inside a block
    expect(code(fromHex('000500faff48'))).toBe(InflateErrorCode.Truncated); // ends inside a stored block
    expect(code(withTail(fromHex('f200110000')))).toBe(InflateErrorCode.DistanceTooFar); // needs the first "Hello"
    expect(code(withTail(fromHex('f200110000')), text('Hello'))).toBe('ok');
    expect(code(fromHex('0300'))).toBe('ok'); // an empty final fixed block
    expect(code(fromHex('03'))).toBe(InflateErrorCode.Truncated);
    expect(code(new Uint8Array(0))).toBe(InflateErrorCode.Truncated);
    expect(() => inflateRaw(withTail(deflateRawSync(new Uint8Array(5000), sync)), { maxOutput: 4000 })).toThrow(
      /exceeds 4000/,
    );
  });
});

describe('the peer codec round trip (both directions, every window and takeover mode)', () => {
  it('what the deflater sends, the inflater (and zlib with the same history) decodes, message after message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(text('{"id":1,"v":"x"}'.repeat(40)))), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 8, max: 15 }),
        fc.boolean(),
        async (messages, windowBits, noContextTakeover) => {
          const params = { noContextTakeover, windowBits };
          const deflater = new MessageDeflater(params);
          const inflater = new MessageInflater(params);
          let history: Uint8Array = new Uint8Array(0);
          for (const m of messages) {
            const payload = await deflater.compress(m);
            const { data, inspection } = inflater.decompress(payload);
            expect(Buffer.compare(data, m)).toBe(0);
            // The deflater stays within the window it was given, 256 bytes included.
            expect(inspection.maxDistance).toBeLessThanOrEqual(1 << windowBits);
            if (noContextTakeover) expect(inspection.windowReferences).toBe(0);
            const dictionary = noContextTakeover ? undefined : history.subarray(-(1 << windowBits));
            const z = inflateRawSync(withTail(payload), {
              ...sync,
              windowBits: Math.max(9, windowBits),
              ...(dictionary?.length ? { dictionary } : {}),
            });
            expect(Buffer.compare(z, m)).toBe(0);
            history = concatBytes([history, m]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('compresses large messages (thread pool path) in send order', async () => {
    const deflater = new MessageDeflater({ noContextTakeover: false, windowBits: 15 }, 1);
    const inflater = new MessageInflater({ noContextTakeover: false, windowBits: 15 });
    const messages = corpusMessages('json', 100_000, 4);
    // Not awaited one by one: the history must still advance in call order.
    const payloads = await Promise.all(messages.map((m) => deflater.compress(m)));
    for (const [i, p] of payloads.entries()) {
      expect(Buffer.compare(inflater.decompress(p).data, messages[i] as Uint8Array)).toBe(0);
    }
  });

  it('flags a server message past its window, with an unstripped tail, or with data after a final block', () => {
    const big = corpusMessages('json', 20_000, 1)[0] as Uint8Array;
    const wide = stripTail(deflateRawSync(big, { ...sync, windowBits: 15 }));
    expect(inflateRaw(withTail(wide)).maxDistance).toBeGreaterThan(512);
    expect(() => new MessageInflater({ noContextTakeover: true, windowBits: 9 }).decompress(wide)).toThrow(
      /beyond the agreed window of 2\^9 = 512 bytes/,
    );
    const unstripped = deflateRawSync(text('Hello'), sync);
    expect(() => new MessageInflater({ noContextTakeover: true, windowBits: 15 }).decompress(unstripped)).toThrow(
      /block boundary|stored block/,
    );
    expect(() =>
      new MessageInflater({ noContextTakeover: true, windowBits: 15 }).decompress(fromHex('f348cdc9c90700f248')),
    ).toThrow(/after the final DEFLATE block/);
  });

  it('rejects window sizes outside 8-15', () => {
    expect(() => new MessageDeflater({ noContextTakeover: true, windowBits: 7 })).toThrow(RangeError);
    expect(() => new MessageInflater({ noContextTakeover: true, windowBits: 16 })).toThrow(RangeError);
  });
});

describe('negotiation (RFC 7692 §7.1)', () => {
  const offers13 = (tuples: Array<[boolean, number]>) => tuples.map(([nct, bits]) => autobahnOffer(nct, bits));

  it('writes the offers the Autobahn client writes', () => {
    expect(formatOffers(offers13([[false, 0]]))).toBe(
      'permessage-deflate; client_no_context_takeover; client_max_window_bits',
    );
    expect(
      formatOffers(
        offers13([
          [true, 9],
          [true, 0],
          [false, 0],
        ]),
      ),
    ).toBe(
      'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9, ' +
        'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, ' +
        'permessage-deflate; client_no_context_takeover; client_max_window_bits',
    );
  });

  it('parses extension headers with quoted values, spaces and several elements', () => {
    expect(parseExtensions('permessage-deflate ; server_max_window_bits="10", foo; a=b')).toEqual([
      { name: 'permessage-deflate', params: [{ name: 'server_max_window_bits', value: '10' }] },
      { name: 'foo', params: [{ name: 'a', value: 'b' }] },
    ]);
    expect(() => parseExtensions('permessage-deflate; x="a b"')).toThrow(/not a token/);
    expect(() => parseExtensions('permessage-deflate;')).toThrow(/expected a parameter name/);
    expect(() => parseExtensions('permessage-deflate; x="10')).toThrow(/unterminated/);
  });

  const accepted: Array<[string, Array<[boolean, number]>, string, Partial<ReturnType<typeof acceptDeflateResponse>>]> =
    [
      ['plain answer', [[false, 0]], 'permessage-deflate', { serverWindowBits: 15, clientWindowBits: 15 }],
      [
        'the client_no_context_takeover hint binds the client even when not answered (§7.1.1.2)',
        [[false, 0]],
        'permessage-deflate',
        { clientNoContextTakeover: true },
      ],
      [
        'server_max_window_bits below the request',
        [[false, 9]],
        'permessage-deflate; server_max_window_bits=8',
        { serverWindowBits: 8 },
      ],
      [
        'server_max_window_bits unasked (§7.1.2.1)',
        [[false, 0]],
        'permessage-deflate; server_max_window_bits=10',
        { serverWindowBits: 10 },
      ],
      [
        'server_no_context_takeover unasked (§7.1.1.1)',
        [[false, 0]],
        'permessage-deflate; server_no_context_takeover',
        { serverNoContextTakeover: true },
      ],
      [
        'client_max_window_bits when offered',
        [[false, 0]],
        'permessage-deflate; client_max_window_bits=10',
        { clientWindowBits: 10 },
      ],
      ['a quoted value', [[false, 9]], 'permessage-deflate; server_max_window_bits="9"', { serverWindowBits: 9 }],
      [
        'case-insensitive names',
        [[false, 0]],
        'Permessage-Deflate; Server_No_Context_Takeover',
        { serverNoContextTakeover: true },
      ],
      [
        'the third of three offers (13.7)',
        [
          [true, 9],
          [true, 0],
          [false, 0],
        ],
        'permessage-deflate; client_no_context_takeover',
        { offerIndex: 2, serverNoContextTakeover: false },
      ],
    ];
  for (const [what, offers, answer, expected] of accepted) {
    it(`accepts: ${what}`, () => {
      expect(acceptDeflateResponse(offers13(offers), answer)).toMatchObject(expected);
    });
  }

  const rejected: Array<[string, DeflateOffer[], string | undefined, RegExp]> = [
    ['no answer (declined)', offers13([[false, 0]]), undefined, /declined/],
    ['server_max_window_bits missing', offers13([[false, 9]]), 'permessage-deflate', /lacks it \(§7\.1\.2\.1\)/],
    [
      'server_max_window_bits too large',
      offers13([[false, 9]]),
      'permessage-deflate; server_max_window_bits=10',
      /exceeds/,
    ],
    ['server_no_context_takeover missing', offers13([[true, 0]]), 'permessage-deflate', /lacks it \(§7\.1\.1\.1\)/],
    [
      'client_max_window_bits not offered',
      [{ serverNoContextTakeover: true }],
      'permessage-deflate; server_no_context_takeover; client_max_window_bits=10',
      /did not include it/,
    ],
    [
      'client_max_window_bits above the offered value',
      [{ clientMaxWindowBits: 10 }],
      'permessage-deflate; client_max_window_bits=12',
      /exceeds the 10 offered/,
    ],
    [
      'client_max_window_bits without a value',
      offers13([[false, 0]]),
      'permessage-deflate; client_max_window_bits',
      /8 to 15/,
    ],
    ['window bits 16', offers13([[false, 0]]), 'permessage-deflate; server_max_window_bits=16', /8 to 15/],
    [
      'window bits with a leading zero',
      offers13([[false, 0]]),
      'permessage-deflate; server_max_window_bits=09',
      /8 to 15/,
    ],
    [
      'a value on a flag',
      offers13([[false, 0]]),
      'permessage-deflate; server_no_context_takeover=1',
      /must not have a value/,
    ],
    ['an unknown parameter', offers13([[false, 0]]), 'permessage-deflate; mystery', /unknown parameter/],
    [
      'a duplicate parameter',
      offers13([[false, 0]]),
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      /twice/,
    ],
    ['two elements', offers13([[false, 0]]), 'permessage-deflate, permessage-deflate', /2 elements/],
    ['another extension', offers13([[false, 0]]), 'x-webkit-deflate-frame', /not offered/],
    [
      'none of three offers (13.7)',
      offers13([
        [true, 9],
        [true, 0],
        [false, 0],
      ]),
      'permessage-deflate; server_max_window_bits=12; server_no_context_takeover; client_max_window_bits=8; mystery=1',
      /unknown parameter/,
    ],
  ];
  for (const [what, offers, answer, message] of rejected) {
    it(`rejects: ${what}`, () => {
      expect(() => acceptDeflateResponse(offers, answer)).toThrow(message);
    });
  }
});

describe('categories 12 and 13 derived from the reference list', () => {
  const refs = loadReferenceCases();
  const table = buildCaseTable(refs);
  const deflateRefs = refs.filter((r) => [12, 13].includes(categoryOf(r.id)));
  const byId = new Map(table.map((c) => [c.id, c]));
  const caseOf = (id: string): ConformanceCase => byId.get(id) as ConformanceCase;

  it('has a playable, unskipped case for all 216 ids', () => {
    expect(deflateRefs.length).toBe(216);
    for (const r of deflateRefs) {
      const c = caseOf(r.id);
      expect(c.skip, r.id).toBeUndefined();
      expect(c.extension, r.id).toBeTypeOf('function');
    }
  });

  it('scales only the message count, within the byte cap, never below the minimum, and says so', () => {
    for (const r of deflateRefs) {
      const plan = deflatePlan(r);
      const c = caseOf(r.id);
      const messages = c.expected.OK ?? [];
      expect(messages.length).toBe(plan.count);
      expect(plan.count).toBeGreaterThanOrEqual(Math.min(plan.officialCount, DEFLATE_MIN_MESSAGES));
      expect(plan.count * plan.size).toBeLessThanOrEqual(
        Math.max(DEFLATE_BYTES_PER_CASE, DEFLATE_MIN_MESSAGES * plan.size),
      );
      for (const m of messages) expect(m.type === 'message' && m.data.length).toBe(plan.size);
      if (plan.count < plan.officialCount) expect(c.description).toMatch(/^Send \d+ of 1000 \(scaled\) /);
      else expect(c.description).toMatch(/^Send 1000 compressed messages/);
    }
    expect(deflatePlan(refs.find((r) => r.id === '12.1.1') as ReferenceCase).count).toBe(1000);
    expect(deflatePlan(refs.find((r) => r.id === '13.7.18') as ReferenceCase).count).toBe(DEFLATE_MIN_MESSAGES);
  });

  it('reads sizes, fragment sizes and offers from the descriptions', () => {
    const p = (id: string) => deflatePlan(refs.find((r) => r.id === id) as ReferenceCase);
    expect(p('12.2.17')).toMatchObject({ size: 131072, fragmentSize: 4096, corpus: { key: 'bitmap', binary: true } });
    expect(p('12.3.1').corpus).toMatchObject({ key: 'faust', binary: true });
    expect(p('12.4.1').corpus).toMatchObject({ key: 'html', binary: false });
    expect(p('13.3.5').offers).toEqual([autobahnOffer(false, 9)]);
    expect(p('13.6.1').offers).toEqual([autobahnOffer(true, 15)]);
    expect(p('13.7.1').offers).toEqual([autobahnOffer(true, 9), autobahnOffer(true, 0), autobahnOffer(false, 0)]);
    expect(p('13.7.1').corpus.key).toBe('json');
    expect(() => deflatePlan({ ...(refs[0] as ReferenceCase), id: '12.1.1', description: 'Send stuff' })).toThrow(
      /cannot read count/,
    );
  });

  it('serves corpora of the suite sizes; text ones are ASCII, so every slice is valid UTF-8', () => {
    for (const corpus of CORPORA) {
      const { bytes } = corpusData(corpus.key);
      expect(bytes.length).toBeGreaterThan(corpus.size);
      if (!corpus.binary) expect(bytes.every((b) => b < 0x80)).toBe(true);
    }
    expect(isUtf8(corpusMessages('faust', 222_218, 1)[0] as Uint8Array)).toBe(true);
    // Slices walk the corpus and wrap around, like the suite's pointer.
    const json = corpusData('json').bytes;
    const [a, b] = corpusMessages('json', 131072, 2) as [Uint8Array, Uint8Array];
    expect(Buffer.compare(b.subarray(0, 194056 - 131072), json.subarray(131072, 194056))).toBe(0);
    expect(Buffer.compare(b.subarray(194056 - 131072), json.subarray(0, 2 * 131072 - 194056))).toBe(0);
    expect(a.length).toBe(131072);
  });
});

describe('the deflate oracle catches misbehaving servers', () => {
  let server: RawServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  // No test here expects a timeout: every wait ends with the server's event, so the bounds are
  // long and only guard against a hang (see support/patient.ts).
  const patient: RunOptions = { ...PATIENT, gapMs: 150 };
  const refs = loadReferenceCases();
  /** A small 13.x-style case: `count` JSON messages of `size` bytes with the given offers. */
  const smallCase = (offers: string, count: number, size: number, fragment = 0): ConformanceCase => {
    const template = refs.find((r) => r.id === '13.1.1') as ReferenceCase;
    const ref: ReferenceCase = {
      ...template,
      id: '13.1.1',
      description: `Send ${count} compressed messages each of payload size ${size}, auto-fragment to ${fragment} octets. Use permessage-deflate client offers (requestNoContextTakeover, requestMaxWindowBits): ${offers}`,
    };
    return buildCaseTable([ref])[0] as ConformanceCase;
  };
  const run = (c: ConformanceCase) => runCase(c, { host: '127.0.0.1', port: server?.port ?? 0, tls: false }, patient);

  /** A raw echo server speaking permessage-deflate the way `send` says. */
  const deflateEcho = (
    answer: string | undefined,
    send: (conn: RawConnection, data: Uint8Array, opcode: number, index: number) => void,
  ) => {
    let index = 0;
    const parts: Uint8Array[] = [];
    let first: { opcode: number; rsv: number } | null = null;
    return startRawServer(
      (conn, f) => {
        if (f.opcode === Op.Close) return conn.close(1000);
        if (f.opcode === Op.Text || f.opcode === Op.Binary) first = { opcode: f.opcode, rsv: f.rsv };
        if (f.opcode === Op.Text || f.opcode === Op.Binary || f.opcode === Op.Continuation) {
          parts.push(f.payload);
          if (!f.fin || !first) return;
          const payload = concatBytes(parts.splice(0));
          const data = first.rsv & RSV1 ? inflateRawSync(withTail(payload), sync) : payload;
          send(conn, data, first.opcode, index++);
        }
      },
      () => answer,
    );
  };
  const compress = (data: Uint8Array, options: object = {}) => stripTail(deflateRawSync(data, { ...sync, ...options }));

  it('passes a server that answers correctly and compresses within what it agreed', async () => {
    server = await deflateEcho(
      'permessage-deflate; server_no_context_takeover; server_max_window_bits=9',
      (conn, data, opcode) => conn.send({ opcode, payload: compress(data, { windowBits: 9 }), rsv: RSV1 }),
    );
    const report = await run(smallCase('[(True, 9)]', 20, 3000, 256));
    expect(report.verdict.problems).toEqual([]);
    expect(report.snapshot.wasClean).toBe(true);
  });

  it('passes a server that echoes uncompressed (RSV1 clear is legal per message)', async () => {
    server = await deflateEcho('permessage-deflate', (conn, data, opcode) => conn.send({ opcode, payload: data }));
    expect((await run(smallCase('[(False, 0)]', 10, 300))).verdict.problems).toEqual([]);
  });

  it('flags RSV1 on a continuation frame', async () => {
    server = await deflateEcho('permessage-deflate', (conn, data, opcode) => {
      const payload = compress(data);
      conn.send({ opcode, payload: payload.subarray(0, 10), rsv: RSV1, fin: false });
      conn.send({ opcode: Op.Continuation, payload: payload.subarray(10), rsv: RSV1 });
    });
    const report = await run(smallCase('[(False, 0)]', 3, 300));
    expect(report.verdict.problems.join('\n')).toMatch(/RSV bits 4 \(opcode 0\)/);
  });

  it('flags a server that uses a wider window than the server_max_window_bits it answered', async () => {
    server = await deflateEcho('permessage-deflate; server_max_window_bits=9', (conn, data, opcode) =>
      conn.send({ opcode, payload: compress(data, { windowBits: 15 }), rsv: RSV1 }),
    );
    const report = await run(smallCase('[(False, 9)]', 3, 16384));
    expect(report.verdict.problems.join('\n')).toMatch(/beyond the agreed window of 2\^9/);
  });

  it('flags a server that keeps its context after answering server_no_context_takeover', async () => {
    let previous: Uint8Array | undefined;
    server = await deflateEcho('permessage-deflate; server_no_context_takeover', (conn, data, opcode) => {
      conn.send({ opcode, payload: compress(data, previous ? { dictionary: previous } : {}), rsv: RSV1 });
      previous = data;
    });
    const report = await run(smallCase('[(True, 0)]', 5, 300));
    expect(report.verdict.problems.join('\n')).toMatch(/server_no_context_takeover was agreed/);
  });

  it('flags a server that leaves the 00 00 ff ff tail on its messages', async () => {
    server = await deflateEcho('permessage-deflate', (conn, data, opcode) =>
      conn.send({ opcode, payload: deflateRawSync(data, sync), rsv: RSV1 }),
    );
    const report = await run(smallCase('[(False, 0)]', 3, 300));
    expect(report.verdict.problems.join('\n')).toMatch(/could not decode a server message/);
  });

  it('fails the handshake on an answer no offer allows', async () => {
    server = await deflateEcho('permessage-deflate; server_max_window_bits=12', () => {});
    await expect(run(smallCase('[(False, 9)]', 3, 300))).rejects.toThrow(
      /server_max_window_bits=12 exceeds the 9 offered/,
    );
  });

  it('uses the negotiated extension for every message it sends (RSV1 on the first frame only)', async () => {
    const seen: Array<{ opcode: number; rsv: number }> = [];
    server = await startRawServer(
      (conn, f) => {
        seen.push({ opcode: f.opcode, rsv: f.rsv });
        if (f.opcode === Op.Close) conn.close(1000);
        else if (f.fin) conn.send({ opcode: Op.Text, payload: corpusMessages('json', 1000, 1)[0] as Uint8Array });
      },
      () => 'permessage-deflate',
    );
    const report = await run(smallCase('[(False, 0)]', 1, 1000, 100));
    expect(report.verdict.problems).toEqual([]);
    const data = seen.filter((f) => f.opcode !== Op.Close);
    expect(data[0]).toEqual({ opcode: Op.Text, rsv: RSV1 });
    expect(data.length).toBeGreaterThan(1);
    for (const f of data.slice(1)) expect(f).toEqual({ opcode: Op.Continuation, rsv: 0 });
  });

  it('offers exactly what the case says', () => {
    const ext = new DeflatePeerExtension([autobahnOffer(true, 9)]);
    expect(ext.offer).toBe(
      'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9',
    );
    expect(ext.accept('permessage-deflate; server_no_context_takeover; server_max_window_bits=9')).toBe(RSV1);
    expect(ext.describe()).toMatch(/server→peer: window 2\^9, no context takeover/);
  });
});
