import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame, FrameParserOptions } from '../src/index.js';
import { encodeFrame, FrameError, FrameErrorCode, FrameParser, Opcode, Rsv } from '../src/index.js';
import { SIMD_CHUNK } from '../src/mask-simd.js';
import { ascii, bytes, CallerBytes, concat, expectBytes, pseudoRandomBytes } from './helpers.js';

const KEY = bytes(0x37, 0xfa, 0x21, 0x3d);

/** Pushes each chunk and collects every frame the parser yields after it. */
function parseChunks(parser: FrameParser, chunks: Uint8Array[]): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let frame = parser.next(); frame !== null; frame = parser.next()) frames.push(frame);
  }
  return frames;
}

function byteByByte(data: Uint8Array): Uint8Array[] {
  return Array.from(data, (b) => bytes(b));
}

function frame(opcode: number, payload: Uint8Array, fin = true, masked = false, rsv = 0): Frame {
  return { fin, rsv, opcode, masked, payload };
}

describe('RFC 6455 §5.7 examples', () => {
  const big256 = pseudoRandomBytes(256);
  const big64k = pseudoRandomBytes(65536);
  const cases: Array<{ name: string; role: 'server' | 'client'; wire: Uint8Array; expected: Frame[] }> = [
    {
      name: 'a single-frame unmasked text message',
      role: 'client',
      wire: bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f),
      expected: [frame(Opcode.Text, ascii('Hello'))],
    },
    {
      name: 'a single-frame masked text message',
      role: 'server',
      wire: bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58),
      expected: [frame(Opcode.Text, ascii('Hello'), true, true)],
    },
    {
      name: 'a fragmented unmasked text message',
      role: 'client',
      wire: bytes(0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f),
      expected: [frame(Opcode.Text, ascii('Hel'), false), frame(Opcode.Continuation, ascii('lo'))],
    },
    {
      name: 'an unmasked ping',
      role: 'client',
      wire: bytes(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f),
      expected: [frame(Opcode.Ping, ascii('Hello'))],
    },
    {
      name: 'a masked pong',
      role: 'server',
      wire: bytes(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58),
      expected: [frame(Opcode.Pong, ascii('Hello'), true, true)],
    },
    {
      name: '256 bytes of binary data in a single unmasked frame',
      role: 'client',
      wire: concat([bytes(0x82, 0x7e, 0x01, 0x00), big256]),
      expected: [frame(Opcode.Binary, big256)],
    },
    {
      name: '64 KiB of binary data in a single unmasked frame',
      role: 'client',
      wire: concat([bytes(0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0), big64k]),
      expected: [frame(Opcode.Binary, big64k)],
    },
  ];

  for (const { name, role, wire, expected } of cases) {
    it(`${name}: whole`, () => {
      expect(parseChunks(new FrameParser({ role }), [wire.slice()])).toEqual(expected);
    });
    it(`${name}: one byte at a time`, () => {
      const parser = new FrameParser({ role });
      expect(parseChunks(parser, byteByByte(wire))).toEqual(expected);
      expect(parser.bufferedAmount).toBe(0);
    });
  }

  it('the serializer produces the same bytes', () => {
    expect(concat(encodeFrame(Opcode.Text, ascii('Hello')))).toEqual(cases[0]!.wire);
    expect(concat(encodeFrame(Opcode.Text, ascii('Hello'), { mask: KEY }))).toEqual(cases[1]!.wire);
    expect(
      concat([
        ...encodeFrame(Opcode.Text, ascii('Hel'), { fin: false }),
        ...encodeFrame(Opcode.Continuation, ascii('lo')),
      ]),
    ).toEqual(cases[2]!.wire);
    expect(concat(encodeFrame(Opcode.Ping, ascii('Hello')))).toEqual(cases[3]!.wire);
    expect(concat(encodeFrame(Opcode.Pong, ascii('Hello'), { mask: KEY }))).toEqual(cases[4]!.wire);
    expect(concat(encodeFrame(Opcode.Binary, big256))).toEqual(cases[5]!.wire);
    expectBytes(concat(encodeFrame(Opcode.Binary, big64k)), cases[6]!.wire);
  });
});

describe('FrameParser buffering', () => {
  it('parses many frames from one chunk, one per next() call', () => {
    const wire = concat([
      ...encodeFrame(Opcode.Text, ascii('a'), { mask: KEY }),
      ...encodeFrame(Opcode.Binary, new Uint8Array(0), { mask: KEY }),
      ...encodeFrame(Opcode.Ping, ascii('p'), { mask: KEY }),
    ]);
    const parser = new FrameParser({ role: 'server' });
    parser.push(wire);
    expect(parser.bufferedAmount).toBe(wire.length);
    expect(parser.next()).toEqual(frame(Opcode.Text, ascii('a'), true, true));
    expect(parser.bufferedAmount).toBe(wire.length - 7);
    expect(parser.next()).toEqual(frame(Opcode.Binary, new Uint8Array(0), true, true));
    expect(parser.next()).toEqual(frame(Opcode.Ping, ascii('p'), true, true));
    expect(parser.next()).toBeNull();
    expect(parser.next()).toBeNull();
    expect(parser.bufferedAmount).toBe(0);
  });

  it('returns a view into the chunk, unmasked in place, when a frame lies within one chunk', () => {
    const payload = pseudoRandomBytes(300);
    const chunk = concat([bytes(0xff), ...encodeFrame(Opcode.Binary, payload, { mask: KEY }), bytes(0x81)]);
    const parser = new FrameParser({ role: 'server' });
    parser.push(chunk.subarray(1));
    const result = parser.next()!;
    expectBytes(result.payload, payload);
    expect(result.payload.buffer).toBe(chunk.buffer);
    expect(result.payload.byteOffset).toBe(1 + 8);
    expectBytes(chunk.subarray(9, 309), payload);
  });

  it('stays zero-copy when the header ends one chunk and the payload fills the next', () => {
    const payload = pseudoRandomBytes(1000);
    const [header, body] = encodeFrame(Opcode.Binary, payload, { mask: KEY });
    const parser = new FrameParser({ role: 'server' });
    parser.push(header);
    expect(parser.next()).toBeNull();
    expect(parser.partial).toMatchObject({ opcode: Opcode.Binary, payloadLength: 1000 });
    expect(parser.partial!.received).toHaveLength(0);
    parser.push(body);
    const result = parser.next()!;
    expect(result.payload.buffer).toBe(body.buffer);
    expectBytes(result.payload, payload);
  });

  it('copies a payload that spans chunks into one buffer of exactly its length', () => {
    const payload = pseudoRandomBytes(5000);
    const wire = concat(encodeFrame(Opcode.Binary, payload, { mask: KEY }));
    for (const step of [1, 3, 1024, 4096]) {
      const parser = new FrameParser({ role: 'server' });
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < wire.length; i += step) chunks.push(wire.slice(i, i + step));
      const [result] = parseChunks(parser, chunks);
      expectBytes(result!.payload, payload);
      expect(result!.payload.buffer.byteLength).toBe(5000);
    }
  });

  it('handles chunks that end inside the header at every position, for every length form', () => {
    for (const length of [0, 5, 125, 126, 300, 65535, 65536]) {
      const payload = pseudoRandomBytes(length, length + 1);
      for (const role of ['server', 'client'] as const) {
        const wire = concat([
          ...encodeFrame(Opcode.Binary, payload, { mask: role === 'server' ? KEY : false }),
          ...encodeFrame(Opcode.Ping, ascii('x'), { mask: role === 'server' ? KEY : false }),
        ]);
        for (let cut = 1; cut < 16; cut++) {
          const parser = new FrameParser({ role });
          const frames = parseChunks(parser, [wire.slice(0, cut), wire.slice(cut)]);
          expect(frames).toHaveLength(2);
          expectBytes(frames[0]!.payload, payload);
          expect(frames[1]!.payload).toEqual(ascii('x'));
        }
      }
    }
  });

  it('queues many small chunks pushed before next() is called', () => {
    const payloads = Array.from({ length: 50 }, (_, i) => pseudoRandomBytes(i * 7, i + 1));
    const wire = concat(payloads.flatMap((p) => encodeFrame(Opcode.Binary, p, { mask: KEY })));
    const parser = new FrameParser({ role: 'server' });
    for (const chunk of byteByByte(wire)) parser.push(chunk);
    expect(parser.bufferedAmount).toBe(wire.length);
    const frames: Frame[] = [];
    for (let f = parser.next(); f !== null; f = parser.next()) frames.push(f);
    expect(frames.map((f) => f.payload)).toEqual(payloads);
    expect(parser.bufferedAmount).toBe(0);
  });

  it('uses options.allocate for spanning payloads and the empty payload (caller bytes in, caller bytes out)', () => {
    const sizes: number[] = [];
    const parser = new FrameParser({
      role: 'server',
      allocate: (n) => {
        sizes.push(n);
        return new CallerBytes(n);
      },
    });
    expect(sizes).toEqual([0]);
    const payload = pseudoRandomBytes(3000);
    const wire = new CallerBytes(
      concat([
        ...encodeFrame(Opcode.Binary, payload, { mask: KEY }),
        ...encodeFrame(Opcode.Text, ascii('small'), { mask: KEY }),
        ...encodeFrame(Opcode.Ping, new Uint8Array(0), { mask: KEY }),
      ]),
    );
    const frames = parseChunks(parser, [wire.subarray(0, 1000), wire.subarray(1000)]);
    expect(sizes).toEqual([0, 3000]);
    // The spanning payload and the empty one from allocate, the small one a view of the chunk.
    expect(frames.map((f) => f.payload instanceof CallerBytes)).toEqual([true, true, true]);
    expectBytes(frames[0]!.payload, payload);
    expect(new TextDecoder().decode(frames[1]!.payload)).toBe('small');
    expect(frames[2]!.payload).toHaveLength(0);
  });

  it('rejects an allocate that returns the wrong thing', () => {
    expect(() => new FrameParser({ role: 'client', allocate: 5 as unknown as () => Uint8Array })).toThrow(TypeError);
    expect(() => new FrameParser({ role: 'client', allocate: (n) => new Uint8Array(n + 1) })).toThrow(TypeError);
    const parser = new FrameParser({ role: 'client', allocate: (n) => new Uint8Array(n === 0 ? 0 : 1) });
    parser.push(bytes(0x82, 0x05, 1));
    expect(() => parser.next()).toThrow(TypeError);
  });

  it('ignores empty chunks and rejects non-Uint8Array input', () => {
    const parser = new FrameParser({ role: 'client' });
    parser.push(new Uint8Array(0));
    expect(parser.next()).toBeNull();
    expect(() => parser.push('abc' as unknown as Uint8Array)).toThrow(TypeError);
    parser.push(new CallerBytes([0x81, 0x00]));
    expect(parser.next()).toEqual(frame(Opcode.Text, new Uint8Array(0)));
  });
});

describe('FrameParser.partial', () => {
  it('exposes the unmasked bytes of a text frame delivered in 3 chops', () => {
    const text = ascii('Hello, WebSocket world! Fail fast on bad UTF-8.');
    const wire = concat(encodeFrame(Opcode.Text, text, { mask: KEY, fin: false }));
    const parser = new FrameParser({ role: 'server' });
    expect(parser.partial).toBeNull();
    const cuts = [9, 31, wire.length];
    let from = 0;
    for (const [i, cut] of cuts.entries()) {
      parser.push(wire.slice(from, cut));
      const result = parser.next();
      if (i < 2) {
        expect(result).toBeNull();
        const partial = parser.partial!;
        expect(partial).toMatchObject({ opcode: Opcode.Text, fin: false, rsv: 0, payloadLength: text.length });
        expect(partial.received).toEqual(text.subarray(0, cut - 6));
        expect(parser.bufferedAmount).toBe(cut - 6);
      } else {
        expect(result).toEqual(frame(Opcode.Text, text, false, true));
        expect(parser.partial).toBeNull();
      }
      from = cut;
    }
  });

  it('is null while only part of a header has arrived', () => {
    const parser = new FrameParser({ role: 'client' });
    parser.push(bytes(0x81, 0x7e, 0x01));
    expect(parser.next()).toBeNull();
    expect(parser.partial).toBeNull();
    expect(parser.bufferedAmount).toBe(3);
  });
});

describe('FrameParser validation', () => {
  interface Case {
    name: string;
    wire: Uint8Array;
    /** Bytes after which the error must already be raised. */
    failAfter: number;
    code: string;
    closeCode: 1002 | 1009;
    options?: Partial<FrameParserOptions>;
  }
  const cases: Case[] = [
    ...[3, 4, 5, 6, 7].map((op) => ({
      name: `reserved data opcode 0x${op.toString(16)}`,
      wire: bytes(0x80 | op, 0x80, ...KEY),
      failAfter: 1,
      code: FrameErrorCode.InvalidOpcode,
      closeCode: 1002 as const,
    })),
    ...[0xb, 0xc, 0xd, 0xe, 0xf].map((op) => ({
      name: `reserved control opcode 0x${op.toString(16)}`,
      wire: bytes(0x80 | op, 0x80, ...KEY),
      failAfter: 1,
      code: FrameErrorCode.InvalidOpcode,
      closeCode: 1002 as const,
    })),
    ...[Opcode.Close, Opcode.Ping, Opcode.Pong].map((op) => ({
      name: `fragmented control frame (opcode ${op}, FIN=0)`,
      wire: bytes(op, 0x80, ...KEY),
      failAfter: 1,
      code: FrameErrorCode.FragmentedControlFrame,
      closeCode: 1002 as const,
    })),
    ...[126, 127].map((len7) => ({
      name: `control frame with a ${len7 === 126 ? '16' : '64'}-bit length`,
      wire: bytes(0x89, 0x80 | len7, 0, 126, 0, 0, 0, 0, 0, 126),
      failAfter: 2,
      code: FrameErrorCode.ControlFrameTooLong,
      closeCode: 1002 as const,
    })),
    ...[Rsv.Rsv1, Rsv.Rsv2, Rsv.Rsv3, 7].map((rsv) => ({
      name: `RSV ${rsv} not allowed`,
      wire: bytes(0x81 | (rsv << 4), 0x80, ...KEY),
      failAfter: 1,
      code: FrameErrorCode.UnexpectedRsv,
      closeCode: 1002 as const,
    })),
    {
      name: 'RSV2 when only RSV1 is allowed',
      wire: bytes(0xe1, 0x80, ...KEY),
      failAfter: 1,
      code: FrameErrorCode.UnexpectedRsv,
      closeCode: 1002,
      options: { allowedRsv: Rsv.Rsv1 },
    },
    {
      name: 'an unmasked frame received by a server',
      wire: bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f),
      failAfter: 2,
      code: FrameErrorCode.ExpectedMask,
      closeCode: 1002,
    },
    {
      name: 'a masked frame received by a client',
      wire: bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58),
      failAfter: 2,
      code: FrameErrorCode.UnexpectedMask,
      closeCode: 1002,
      options: { role: 'client' },
    },
    {
      name: 'a 64-bit length with the top bit set',
      wire: bytes(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, ...KEY),
      failAfter: 3,
      code: FrameErrorCode.InvalidPayloadLength,
      closeCode: 1002,
      options: { maxPayloadLength: Number.POSITIVE_INFINITY },
    },
    {
      // A legal length (top bit clear) that no JavaScript buffer can hold: too big, not malformed.
      name: 'a 64-bit length beyond Number.MAX_SAFE_INTEGER with no limit',
      wire: bytes(0x82, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 0, ...KEY),
      failAfter: 10,
      code: FrameErrorCode.MessageTooBig,
      closeCode: 1009,
      options: { maxPayloadLength: Number.POSITIVE_INFINITY },
    },
    {
      // The field report: ws and python-websockets answer 2^62 with 1009, from the header alone.
      name: 'a 64-bit length of 2^62 (top bit clear) over the default limit',
      wire: bytes(0x82, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, ...KEY),
      failAfter: 10,
      code: FrameErrorCode.MessageTooBig,
      closeCode: 1009,
    },
    {
      name: 'the largest legal 64-bit length, 2^63 - 1',
      wire: bytes(0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...KEY),
      failAfter: 10,
      code: FrameErrorCode.MessageTooBig,
      closeCode: 1009,
    },
    {
      name: 'a 64-bit length of 2^53 over a limit of Number.MAX_SAFE_INTEGER',
      wire: bytes(0x82, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 0, ...KEY),
      failAfter: 10,
      code: FrameErrorCode.MessageTooBig,
      closeCode: 1009,
      options: { maxPayloadLength: Number.MAX_SAFE_INTEGER },
    },
    {
      name: 'a 7-bit length over maxPayloadLength',
      wire: bytes(0x82, 0x80 | 11, ...KEY),
      failAfter: 2,
      code: FrameErrorCode.MessageTooBig,
      closeCode: 1009,
      options: { maxPayloadLength: 10 },
    },
    {
      name: 'a 16-bit length over maxPayloadLength',
      wire: bytes(0x82, 0xfe, 0x01, 0x00, ...KEY),
      failAfter: 4,
      code: FrameErrorCode.MessageTooBig,
      closeCode: 1009,
      options: { maxPayloadLength: 255 },
    },
    {
      name: 'a 64-bit length over the default 64 MiB maxPayloadLength',
      wire: bytes(0x82, 0xff, 0, 0, 0, 0, 0x04, 0, 0, 1, ...KEY),
      failAfter: 10,
      code: FrameErrorCode.MessageTooBig,
      closeCode: 1009,
    },
  ];

  for (const { name, wire, failAfter, code, closeCode, options } of cases) {
    const make = () => new FrameParser({ role: 'server', ...options });
    it(`${name} → ${closeCode} ${code}`, () => {
      // Whole.
      const whole = make();
      whole.push(wire.slice());
      expect(() => whole.next()).toThrow(expect.objectContaining({ code, closeCode }));
      // Failed as soon as the deciding byte is there, one byte at a time.
      const stepwise = make();
      for (let i = 0; i < failAfter - 1; i++) {
        stepwise.push(wire.slice(i, i + 1));
        expect(stepwise.next()).toBeNull();
      }
      stepwise.push(wire.slice(failAfter - 1, failAfter));
      let error: unknown;
      try {
        stepwise.next();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FrameError);
      expect(error).toMatchObject({ code, closeCode, name: 'FrameError' });
      // And with exactly the deciding prefix pushed at once.
      const prefix = make();
      prefix.push(wire.slice(0, failAfter));
      expect(() => prefix.next()).toThrow(FrameError);
    });
  }

  it('accepts the same frames when the rule allows them', () => {
    const ok = (options: FrameParserOptions, wire: Uint8Array) => {
      const parser = new FrameParser(options);
      parser.push(wire);
      return parser.next();
    };
    expect(ok({ role: 'server', allowedRsv: Rsv.Rsv1 }, bytes(0xc1, 0x80, ...KEY))).toMatchObject({ rsv: Rsv.Rsv1 });
    expect(ok({ role: 'server', allowedRsv: 7 }, bytes(0xf2, 0x80, ...KEY))).toMatchObject({ rsv: 7 });
    expect(ok({ role: 'server', maxPayloadLength: 3 }, bytes(0x82, 0x83, ...KEY, 1, 2, 3))).toMatchObject({
      payload: bytes(1 ^ 0x37, 2 ^ 0xfa, 3 ^ 0x21),
    });
    expect(ok({ role: 'client' }, bytes(0x89, 125, ...new Uint8Array(125)))).toMatchObject({ opcode: Opcode.Ping });
    expect(ok({ role: 'client', maxPayloadLength: 0 }, bytes(0x88, 0))).toMatchObject({ opcode: Opcode.Close });
    // A non-minimal length encoding is accepted (RFC 6455 asks senders, not receivers, for minimal lengths).
    expect(ok({ role: 'client' }, bytes(0x82, 126, 0, 1, 9))).toMatchObject({ payload: bytes(9) });
  });

  it('stays failed after an error: same error again, input dropped, buffers released', () => {
    const parser = new FrameParser({ role: 'server' });
    parser.push(concat([...encodeFrame(Opcode.Text, ascii('ok'), { mask: KEY }), bytes(0x83, 0x80)]));
    expect(parser.next()).toMatchObject({ payload: ascii('ok') });
    let first: unknown;
    try {
      parser.next();
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(FrameError);
    expect(parser.error).toBe(first);
    expect(() => parser.next()).toThrow(first as Error);
    parser.push(concat(encodeFrame(Opcode.Text, ascii('ok'), { mask: KEY })));
    expect(parser.bufferedAmount).toBe(0);
    expect(() => parser.next()).toThrow(first as Error);
    expect(parser.partial).toBeNull();
  });

  it('applies maxPayloadLength and allowedRsv changes to the next frame', () => {
    const wire = concat([
      ...encodeFrame(Opcode.Binary, new Uint8Array(10), { mask: KEY }),
      ...encodeFrame(Opcode.Binary, new Uint8Array(10), { mask: KEY, rsv: Rsv.Rsv1 }),
      ...encodeFrame(Opcode.Binary, new Uint8Array(10), { mask: KEY }),
    ]);
    const parser = new FrameParser({ role: 'server' });
    parser.push(wire);
    expect(parser.next()).toMatchObject({ rsv: 0 });
    parser.allowedRsv = Rsv.Rsv1;
    expect(parser.next()).toMatchObject({ rsv: Rsv.Rsv1 });
    parser.maxPayloadLength = 9;
    expect(() => parser.next()).toThrow(
      expect.objectContaining({ code: FrameErrorCode.MessageTooBig, closeCode: 1009 }),
    );
  });

  it('refuses an oversized frame from its header, before buffering the payload', () => {
    const parser = new FrameParser({ role: 'server', maxPayloadLength: 1000 });
    parser.push(bytes(0x82, 0xfe, 0x03, 0xe9));
    expect(() => parser.next()).toThrow(expect.objectContaining({ closeCode: 1009 }));
    expect(parser.bufferedAmount).toBe(0);
  });

  it('validates its options', () => {
    expect(() => new FrameParser({ role: 'peer' as 'server' })).toThrow(TypeError);
    expect(() => new FrameParser({ role: 'server', maxPayloadLength: -1 })).toThrow(RangeError);
    expect(() => new FrameParser({ role: 'server', maxPayloadLength: Number.NaN })).toThrow(RangeError);
    expect(() => new FrameParser({ role: 'server', allowedRsv: 8 })).toThrow(RangeError);
    const parser = new FrameParser({ role: 'client' });
    expect(parser.maxPayloadLength).toBe(64 * 1024 * 1024);
    expect(parser.allowedRsv).toBe(0);
    expect(() => {
      parser.allowedRsv = 1.5;
    }).toThrow(RangeError);
    expect(() => {
      parser.maxPayloadLength = -5;
    }).toThrow(RangeError);
  });
});

describe('FrameParser: payloads larger than one unmasking call', () => {
  // SIMD_CHUNK bytes go to the WebAssembly kernel per call: a payload spanning chunks crosses
  // those boundaries at every alignment of the socket chunks and every phase of the mask key.
  const length = 2 * SIMD_CHUNK + 13;
  const payload = pseudoRandomBytes(length, 7);
  const garbageAllocate = (n: number) => new Uint8Array(n).fill(0xa5); // every byte must be overwritten

  it('reads a large masked frame split in two at every position near the header and the kernel boundaries', () => {
    // A short frame before it shifts the big frame's start: every alignment of its payload in the chunk.
    for (const lead of [0, 1, 2, 3]) {
      const before = lead === 0 ? [] : [...encodeFrame(Opcode.Binary, pseudoRandomBytes(lead, lead), { mask: KEY })];
      const wire = concat([...before, ...encodeFrame(Opcode.Binary, payload, { mask: KEY })]);
      const start = wire.length - length; // the big payload's first byte
      const cuts = new Set<number>();
      for (let c = 1; c <= start + 4; c++) cuts.add(c);
      for (const boundary of [SIMD_CHUNK, 2 * SIMD_CHUNK]) {
        for (let d = -5; d <= 5; d++) cuts.add(start + boundary + d);
      }
      cuts.add(wire.length - 1);
      for (const cut of cuts) {
        const parser = new FrameParser({ role: 'server', allocate: garbageAllocate });
        const frames = parseChunks(parser, [wire.slice(0, cut), wire.slice(cut)]);
        expect(frames).toHaveLength(lead === 0 ? 1 : 2);
        const big = frames.at(-1)!.payload;
        expect(big.length).toBe(length);
        expectBytes(big, payload, `lead ${lead}, cut ${cut}`);
      }
    }
  });

  it('reads it from chunks of any size, unmasked straight into one buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 3 * SIMD_CHUNK }), { minLength: 1, maxLength: 8 }), (steps) => {
        const wire = concat(encodeFrame(Opcode.Binary, payload, { mask: true }));
        const chunks: Uint8Array[] = [];
        for (let at = 0, i = 0; at < wire.length; i++) {
          const next = Math.min(wire.length, at + steps[i % steps.length]!);
          chunks.push(wire.slice(at, next));
          at = next;
        }
        const allocated: number[] = [];
        const parser = new FrameParser({
          role: 'server',
          allocate: (n) => {
            allocated.push(n);
            return garbageAllocate(n);
          },
        });
        const [result] = parseChunks(parser, chunks);
        expectBytes(result!.payload, payload);
        // A payload spanning chunks gets one buffer of exactly its length; one that arrives whole
        // in a chunk (only the header was split) is unmasked there and allocates nothing.
        const payloadStart = wire.length - length;
        let boundary = 0;
        let spans = false;
        for (const chunk of chunks.slice(0, -1)) {
          boundary += chunk.length;
          if (boundary > payloadStart && boundary < wire.length) spans = true;
        }
        expect(allocated.filter((n) => n > 0)).toEqual(spans ? [length] : []);
      }),
      { numRuns: 60 },
    );
  });
});
