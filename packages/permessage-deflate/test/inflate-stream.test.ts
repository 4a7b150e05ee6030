import { constants, deflateRawSync } from 'node:zlib';
import { Connection, type MessageDecoder, type ProtocolError } from '@websock/protocol';
import { describe, expect, it } from 'vitest';
import { createDeflateExtension, type PerMessageDeflate } from '../src/codec.js';
import { InflateError } from '../src/errors.js';
import { JobLimiter } from '../src/limiter.js';
import type { NegotiatedParams } from '../src/options.js';
import { BINARY, concat, frame, jsonText, OraclePeer, RSV1, randomBytes } from './wire.js';

// decodeStream: one message inflated piece by piece, as a connection that streams large
// messages feeds it. Checked against an independent zlib peer, with and without context takeover.

const TAKEOVER: NegotiatedParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};
const MB = 1024 * 1024;

/** The client's side of `params` as an oracle: it compresses what the server codec inflates. */
function clientOracle(params: NegotiatedParams): OraclePeer {
  return new OraclePeer({
    deflateWindowBits: params.clientMaxWindowBits,
    deflateResets: params.clientNoContextTakeover,
    inflateWindowBits: params.serverMaxWindowBits,
    inflateResets: params.serverNoContextTakeover,
  });
}

function pieces(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out.length === 0 ? [data] : out;
}

/** Feeds `compressed` to a stream decoder in pieces of `size`, each write awaited as the core does. */
async function inflateInPieces(codec: PerMessageDeflate, compressed: Uint8Array, size: number): Promise<Uint8Array> {
  const output: Uint8Array[] = [];
  const decoder = codec.decodeStream(RSV1, (data) => output.push(Buffer.from(data)));
  const parts = pieces(compressed, size);
  for (const [i, part] of parts.entries()) await decoder.write(part, i === parts.length - 1);
  return concat(...output);
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('PerMessageDeflate.decodeStream', () => {
  it('inflates messages in pieces of any size, each from the window the previous ones left (context takeover)', async () => {
    const oracle = clientOracle(TAKEOVER);
    const codec = createDeflateExtension(TAKEOVER, 'server');
    const messages = [
      jsonText(300_000, 1),
      jsonText(50_000, 2),
      randomBytes(70_000, 3),
      jsonText(2_000, 6),
      jsonText(200_000, 1),
    ];
    for (const [i, message] of messages.entries()) {
      const compressed = await oracle.compress(message);
      // Whole-message decoding and decoding in pieces share one history: alternate them.
      const inflated =
        i === 1
          ? await codec.decode(compressed, RSV1, 64 * MB)
          : await inflateInPieces(codec, compressed, [997, 0, 101, 1, 65_536][i]!);
      expect(Buffer.from(inflated).equals(Buffer.from(message))).toBe(true);
    }
    expect(codec.contexts.inflate).toBe(false);
    oracle.close();
  });

  it('holds the output back while paused, zlib stopping with it, and gives the limiter slot back meanwhile', async () => {
    const limiter = new JobLimiter(1);
    const codec = createDeflateExtension(TAKEOVER, 'server', { limiter });
    // 8 MiB of one byte: a few KiB compressed, 8 MiB out of one write.
    const message = new Uint8Array(8 * MB).fill(0x61);
    const compressed = deflateRawSync(message, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    let paused = false;
    let received = 0;
    let decoder!: MessageDecoder;
    let resolveFirst!: () => void;
    const first = new Promise<void>((resolve) => (resolveFirst = resolve));
    decoder = codec.decodeStream(RSV1, (data) => {
      expect(paused).toBe(false);
      received += data.length;
      if (received === data.length) {
        paused = true;
        decoder.pause();
        resolveFirst();
      }
    });
    let written = false;
    const write = decoder.write(compressed, true)!.then(() => (written = true));
    await first;
    for (let i = 0; i < 20; i++) await settle();
    // The write cannot have finished: 8 MiB do not fit in zlib's 16 KiB output buffer.
    expect(written).toBe(false);
    expect(received).toBeLessThan(64 * 1024);
    expect(limiter.running).toBe(0);
    paused = false;
    decoder.resume();
    await write;
    expect(received).toBe(message.length);
    expect(limiter.running).toBe(0);
  });

  it('rejects corrupt data with an InflateError carrying 1007, and releases the context', async () => {
    const codec = createDeflateExtension(TAKEOVER, 'server');
    const decoder = codec.decodeStream(RSV1, () => {});
    const error = await decoder.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff), false)!.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InflateError);
    expect(error).toMatchObject({ closeCode: 1007, code: 'WS_ERR_INVALID_COMPRESSED_DATA' });
    expect(codec.contexts.inflate).toBe(false);
  });

  it('ends the data at a final block (BFINAL) and ignores the rest of the message (RFC 7692 §7.2.3.4)', async () => {
    const codec = createDeflateExtension({ ...TAKEOVER, clientNoContextTakeover: true }, 'server');
    const head = jsonText(10_000, 4);
    const final = deflateRawSync(head); // Z_FINISH: the last block has BFINAL set
    const output = await inflateInPieces(codec, concat(final, Uint8Array.of(1, 2, 3, 4, 5)), 3);
    expect(Buffer.from(output).equals(Buffer.from(head))).toBe(true);
  });

  it('an abort (the connection failed or closed) releases the zlib context and the slot; dispose aborts', async () => {
    const limiter = new JobLimiter(1);
    const codec = createDeflateExtension(TAKEOVER, 'server', { limiter });
    const oracle = clientOracle(TAKEOVER);
    const compressed = await oracle.compress(jsonText(100_000, 5));
    const decoder = codec.decodeStream(RSV1, () => {});
    await decoder.write(compressed.subarray(0, 1000), false);
    expect(codec.contexts.inflate).toBe(true);
    decoder.abort();
    expect(codec.contexts.inflate).toBe(false);
    expect(limiter.running).toBe(0);
    const second = codec.decodeStream(RSV1, () => {});
    void second.write(compressed.subarray(0, 1000), false);
    codec.dispose();
    expect(codec.contexts.inflate).toBe(false);
    oracle.close();
  });

  it('passes an uncompressed message through as it is', () => {
    const codec = createDeflateExtension(TAKEOVER, 'server');
    const output: Uint8Array[] = [];
    const decoder = codec.decodeStream(0, (data) => output.push(data));
    expect(decoder.write(Uint8Array.of(1, 2), false)).toBeUndefined();
    expect(decoder.write(Uint8Array.of(3), true)).toBeUndefined();
    expect(output).toEqual([Uint8Array.of(1, 2), Uint8Array.of(3)]);
  });
});

describe('through the protocol core', () => {
  it('a compressed bomb streamed in pieces stops at maxMessageSize (1009), delivering at most the limit', async () => {
    const codec = createDeflateExtension(TAKEOVER, 'server');
    const bomb = deflateRawSync(new Uint8Array(64 * MB), { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    let delivered = 0;
    const failed = new Promise<ProtocolError>((resolve) => {
      const connection = new Connection({
        role: 'server',
        maxMessageSize: MB,
        messageStreamThreshold: 0,
        extensions: [codec],
        handler: {
          write() {},
          message() {},
          messageStart() {},
          messageChunk: (data) => {
            delivered += data.length;
          },
          messageEnd() {},
          error: resolve,
          closeTransport() {},
        },
      });
      connection.open();
      connection.receive(frame(BINARY, bomb, { rsv: RSV1 }));
    });
    expect((await failed).closeCode).toBe(1009);
    expect(delivered).toBeLessThanOrEqual(MB);
    expect(codec.contexts.inflate).toBe(false);
  });
});
