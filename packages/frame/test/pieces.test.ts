import { describe, expect, it } from 'vitest';
import type { Frame, FramePiece } from '../src/index.js';
import { encodeFrame, FrameErrorCode, FrameParser, Opcode } from '../src/index.js';
import { bytes, concat, expectBytes, pseudoRandomBytes } from './helpers.js';

const KEY = bytes(0x37, 0xfa, 0x21, 0x3d);

type Result = Frame | FramePiece;

function isPiece(result: Result): result is FramePiece {
  return 'offset' in result;
}

/** Pushes each chunk and collects what `nextPiece(threshold)` yields after it. */
function readPieces(parser: FrameParser, chunks: Uint8Array[], threshold: number): Result[] {
  const results: Result[] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let result = parser.nextPiece(threshold); result !== null; result = parser.nextPiece(threshold)) {
      // Views into pushed chunks: copy what the test keeps (the chunks are the parser's).
      results.push({ ...result, payload: result.payload.slice() });
    }
  }
  return results;
}

function chop(data: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.slice(i, i + size));
  return chunks;
}

describe('FrameParser.nextPiece', () => {
  it('returns a masked frame spanning chunks as unmasked pieces, one per chunk, never gathered', () => {
    const payload = pseudoRandomBytes(10_000);
    const wire = concat(encodeFrame(Opcode.Binary, payload, { mask: KEY }));
    const parser = new FrameParser({ role: 'server' });
    const pieces = readPieces(parser, chop(wire, 1000), 4096);
    expect(pieces.every(isPiece)).toBe(true);
    const typed = pieces as FramePiece[];
    // The first chunk holds the 8-byte header (2 + 2 length + 4 key) and 992 payload bytes.
    expect(typed.map((piece) => piece.payload.length)).toEqual([992, ...Array(9).fill(1000), 8]);
    let offset = 0;
    for (const piece of typed) {
      expect(piece).toMatchObject({ opcode: Opcode.Binary, fin: true, rsv: 0, masked: true, frameLength: 10_000 });
      expect(piece.offset).toBe(offset);
      offset += piece.payload.length;
    }
    expectBytes(concat(typed.map((piece) => piece.payload)), payload);
    expect(parser.partial).toBeNull();
    expect(parser.bufferedAmount).toBe(0);
  });

  it('keeps nothing of a pieced payload: bufferedAmount counts unparsed input only, partial holds no bytes', () => {
    const wire = concat(encodeFrame(Opcode.Text, pseudoRandomBytes(5000), { mask: KEY, fin: false }));
    const parser = new FrameParser({ role: 'server' });
    parser.push(wire.slice(0, 3000));
    const piece = parser.nextPiece(100) as FramePiece;
    expect(piece.payload.length).toBe(3000 - 8);
    expect(parser.nextPiece(100)).toBeNull();
    expect(parser.bufferedAmount).toBe(0);
    expect(parser.partial).toMatchObject({ opcode: Opcode.Text, fin: false, payloadLength: 5000 });
    expect(parser.partial!.received).toHaveLength(0);
  });

  it('unmasks each piece at its position in the mask (pieces of every length, byte by byte too)', () => {
    const payload = pseudoRandomBytes(333);
    const wire = concat(encodeFrame(Opcode.Binary, payload, { mask: KEY }));
    for (const size of [1, 2, 3, 5, 7, 64, 100]) {
      const pieces = readPieces(new FrameParser({ role: 'server' }), chop(wire, size), 0) as FramePiece[];
      expectBytes(concat(pieces.map((piece) => piece.payload)), payload, `chunks of ${size}`);
    }
  });

  it('returns a frame within one chunk whole, and frames under the threshold gathered as next() does', () => {
    const small = pseudoRandomBytes(500);
    const large = pseudoRandomBytes(5000);
    const whole = concat(encodeFrame(Opcode.Binary, large, { mask: KEY }));
    const parser = new FrameParser({ role: 'server' });
    const [first] = readPieces(parser, [whole], 100);
    expect(first).toEqual({ fin: true, rsv: 0, opcode: Opcode.Binary, masked: true, payload: large });

    const spanning = concat(encodeFrame(Opcode.Binary, small, { mask: KEY }));
    const gathered = readPieces(parser, chop(spanning, 100), 501);
    expect(gathered).toHaveLength(1);
    expect(isPiece(gathered[0]!)).toBe(false);
    expectBytes(gathered[0]!.payload, small);
  });

  it('never pieces control frames, and parses the frames after a pieced one', () => {
    const data = pseudoRandomBytes(2000);
    const wire = concat([
      ...encodeFrame(Opcode.Binary, data, { mask: KEY, fin: false }),
      ...encodeFrame(Opcode.Ping, bytes(1, 2, 3), { mask: KEY }),
      ...encodeFrame(Opcode.Continuation, data, { mask: KEY }),
    ]);
    const results = readPieces(new FrameParser({ role: 'server' }), chop(wire, 7), 0);
    const ping = results.filter((result) => result.opcode === Opcode.Ping);
    expect(ping).toEqual([{ fin: true, rsv: 0, opcode: Opcode.Ping, masked: true, payload: bytes(1, 2, 3) }]);
    const continuation = results.filter((result) => result.opcode === Opcode.Continuation) as FramePiece[];
    expect(continuation.every(isPiece)).toBe(true);
    expectBytes(concat(continuation.map((piece) => piece.payload)), data);
  });

  it('refuses to finish a pieced frame with next()', () => {
    const parser = new FrameParser({ role: 'client' });
    parser.push(concat(encodeFrame(Opcode.Binary, pseudoRandomBytes(1000))).slice(0, 500));
    expect(parser.nextPiece(0)).not.toBeNull();
    expect(() => parser.next()).toThrow(TypeError);
  });

  it('still refuses a frame over maxPayloadLength from its header', () => {
    const parser = new FrameParser({ role: 'client', maxPayloadLength: 1000 });
    parser.push(concat(encodeFrame(Opcode.Binary, pseudoRandomBytes(1001))).slice(0, 10));
    expect(() => parser.nextPiece(0)).toThrow(expect.objectContaining({ code: FrameErrorCode.MessageTooBig }));
  });
});
