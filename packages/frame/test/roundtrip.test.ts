import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame, FramePiece } from '../src/index.js';
import {
  encodedFrameLength,
  encodeFrame,
  encodeFrameInto,
  FrameParser,
  isControlOpcode,
  Opcode,
} from '../src/index.js';
import { concat, expectBytes, pseudoRandomBytes } from './helpers.js';

interface Spec {
  opcode: number;
  fin: boolean;
  rsv: number;
  length: number;
  seed: number;
}

const controlLength = fc.oneof(fc.constantFrom(0, 1, 125), fc.integer({ min: 0, max: 125 }));
const dataLength = fc.oneof(
  { weight: 4, arbitrary: controlLength },
  { weight: 3, arbitrary: fc.constantFrom(126, 127, 65535, 65536) },
  { weight: 2, arbitrary: fc.integer({ min: 126, max: 70_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65_536, max: 300_000 }) },
);

const frameSpec: fc.Arbitrary<Spec> = fc
  .record({
    opcode: fc.constantFrom(Opcode.Continuation, Opcode.Text, Opcode.Binary, Opcode.Close, Opcode.Ping, Opcode.Pong),
    fin: fc.boolean(),
    rsv: fc.integer({ min: 0, max: 7 }),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
  })
  .chain((base) =>
    (isControlOpcode(base.opcode) ? controlLength : dataLength).map((length) => ({
      ...base,
      fin: isControlOpcode(base.opcode) ? true : base.fin,
      length,
    })),
  );

type Encoder = 'pair' | 'pairInPlace' | 'into';

function encode(spec: Spec, payload: Uint8Array, mask: boolean, encoder: Encoder): Uint8Array[] {
  const options = { fin: spec.fin, rsv: spec.rsv, mask };
  if (encoder === 'into') {
    const target = new Uint8Array(encodedFrameLength(payload.length, mask));
    encodeFrameInto(target, 0, spec.opcode, payload, options);
    return [target];
  }
  return encodeFrame(spec.opcode, encoder === 'pairInPlace' ? payload.slice() : payload, {
    ...options,
    maskInPlace: encoder === 'pairInPlace',
  });
}

/** Re-splits `wire` at the given cut points (taken modulo its length). */
function split(wire: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (wire.length === 0 ? 0 : c % (wire.length + 1))))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, wire.length]) {
    if (point > from) {
      // Fresh copies, as a socket would deliver them: the parser may unmask them in place.
      chunks.push(wire.slice(from, point));
      from = point;
    }
  }
  return chunks;
}

describe('encode → concatenate → re-split → parse round trip (fast-check)', () => {
  for (const sender of ['client', 'server'] as const) {
    const receiver = sender === 'client' ? 'server' : 'client';
    it(`frames encoded by a ${sender} parse back equal in a ${receiver} parser, for any chunking`, () => {
      fc.assert(
        fc.property(
          fc.array(frameSpec, { minLength: 1, maxLength: 8 }),
          fc.array(fc.nat(), { maxLength: 12 }),
          fc.constantFrom<Encoder>('pair', 'pairInPlace', 'into'),
          (specs, cuts, encoder) => {
            const payloads = specs.map((s) => pseudoRandomBytes(s.length, s.seed));
            const wire = concat(specs.flatMap((s, i) => encode(s, payloads[i]!, sender === 'client', encoder)));
            const parser = new FrameParser({ role: receiver, allowedRsv: 7, maxPayloadLength: 300_000 });
            const frames: Frame[] = [];
            for (const chunk of split(wire, cuts)) {
              parser.push(chunk);
              for (let f = parser.next(); f !== null; f = parser.next()) frames.push(f);
            }
            expect(frames).toHaveLength(specs.length);
            for (const [i, s] of specs.entries()) {
              const f = frames[i]!;
              expect({ opcode: f.opcode, fin: f.fin, rsv: f.rsv, masked: f.masked }).toEqual({
                opcode: s.opcode,
                fin: s.fin,
                rsv: s.rsv,
                masked: sender === 'client',
              });
              expectBytes(f.payload, payloads[i]!);
            }
            expect(parser.bufferedAmount).toBe(0);
            expect(parser.partial).toBeNull();
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('partial.received always equals the unmasked prefix of the payload', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        (length, cuts) => {
          const payload = pseudoRandomBytes(length, length);
          const wire = concat(encodeFrame(Opcode.Text, payload, { mask: true }));
          const parser = new FrameParser({ role: 'server' });
          let result: Frame | null = null;
          for (const chunk of split(wire, cuts)) {
            parser.push(chunk);
            result = parser.next();
            if (result === null) {
              const partial = parser.partial;
              if (partial !== null) {
                expect(partial.payloadLength).toBe(length);
                expectBytes(partial.received, payload.subarray(0, partial.received.length));
                expect(parser.bufferedAmount).toBe(partial.received.length);
              }
            }
          }
          expect(result).not.toBeNull();
          expectBytes(result!.payload, payload);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('read with nextPiece(threshold), the pieces of every frame join back to its payload, for any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom(0, 1, 126, 4096, Number.POSITIVE_INFINITY),
        (specs, cuts, threshold) => {
          const payloads = specs.map((s) => pseudoRandomBytes(s.length, s.seed));
          const wire = concat(specs.flatMap((s, i) => encode(s, payloads[i]!, true, 'pair')));
          const parser = new FrameParser({ role: 'server', allowedRsv: 7, maxPayloadLength: 300_000 });
          // Per frame: its header fields and its bytes, joined from its pieces.
          const frames: Array<{ opcode: number; fin: boolean; rsv: number; parts: Uint8Array[] }> = [];
          let open: FramePiece | null = null;
          for (const chunk of split(wire, cuts)) {
            parser.push(chunk);
            for (let r = parser.nextPiece(threshold); r !== null; r = parser.nextPiece(threshold)) {
              const copy = r.payload.slice();
              if (!('offset' in r)) {
                expect(open).toBeNull();
                frames.push({ opcode: r.opcode, fin: r.fin, rsv: r.rsv, parts: [copy] });
                continue;
              }
              expect(r.frameLength).toBeGreaterThanOrEqual(threshold);
              if (r.offset === 0) frames.push({ opcode: r.opcode, fin: r.fin, rsv: r.rsv, parts: [] });
              frames.at(-1)!.parts.push(copy);
              open = r.offset + r.payload.length === r.frameLength ? null : r;
            }
          }
          expect(open).toBeNull();
          expect(frames.map(({ opcode, fin, rsv }) => ({ opcode, fin, rsv }))).toEqual(
            specs.map(({ opcode, fin, rsv }) => ({ opcode, fin, rsv })),
          );
          for (const [i, f] of frames.entries()) expectBytes(concat(f.parts), payloads[i]!);
          expect(parser.bufferedAmount).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
