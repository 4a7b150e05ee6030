// Through the protocol core: hand-built frames with RSV1 in, echoed frames out, checked by an
// independent zlib peer. Mirrors Autobahn|Testsuite categories 12 and 13 (scaled down).

import { constants, deflateRawSync } from 'node:zlib';
import { parseExtensionHeader } from '@websock/handshake';
import { Connection, type ConnectionHandler, type MessageExtension, type Role } from '@websock/protocol';
import { describe, expect, it } from 'vitest';
import { createDeflateExtension } from '../src/codec.js';
import { acceptResponse, createOffer, type NegotiationOptions, negotiatePerMessageDeflate } from '../src/negotiate.js';
import type { NegotiatedParams } from '../src/options.js';
import {
  BINARY,
  bytes,
  CLOSE,
  CONT,
  concat,
  decodeWritten,
  fragment,
  frame,
  jsonText,
  OraclePeer,
  PING,
  RSV1,
  randomBytes,
  TEXT,
  type WrittenFrame,
} from './wire.js';

const MB = 1024 * 1024;

interface Peer {
  conn: Connection;
  written: WrittenFrame[];
  received: Array<{ data: Uint8Array; isBinary: boolean }>;
  errors: unknown[];
  closed: boolean;
}

function connect(
  role: Role,
  extensions: MessageExtension[],
  options: { echo?: boolean; maxMessageSize?: number } = {},
): Peer {
  const peer: Peer = { conn: undefined as unknown as Connection, written: [], received: [], errors: [], closed: false };
  const handler: ConnectionHandler = {
    write(header, payload) {
      peer.written.push(decodeWritten(header, payload));
    },
    message(data, isBinary) {
      peer.received.push({ data: Uint8Array.from(data), isBinary });
      if (options.echo) peer.conn.send(data, isBinary);
    },
    error(error) {
      peer.errors.push(error);
    },
    closeTransport() {
      peer.closed = true;
    },
  };
  peer.conn = new Connection({
    role,
    handler,
    extensions,
    ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
  });
  peer.conn.open();
  return peer;
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Feeds bytes in uneven chunks, as TCP would. */
function feed(conn: Connection, wire: Uint8Array, seed: number): void {
  let at = 0;
  let x = seed;
  while (at < wire.length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const size = 1 + (x % 9000);
    // The core may unmask in place: give it its own copy.
    conn.receive(wire.slice(at, at + size));
    at += size;
  }
}

function closeCodeOf(frames: WrittenFrame[]): number | undefined {
  const close = frames.find((f) => f.opcode === CLOSE);
  return close === undefined ? undefined : (close.payload[0]! << 8) | close.payload[1]!;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The independent peer on the other side of our codec. */
function oracleFor(params: NegotiatedParams, ourRole: Role): OraclePeer {
  const server = { bits: params.serverMaxWindowBits, resets: params.serverNoContextTakeover };
  const client = { bits: params.clientMaxWindowBits, resets: params.clientNoContextTakeover };
  const [ours, theirs] = ourRole === 'server' ? [server, client] : [client, server];
  return new OraclePeer({
    deflateWindowBits: theirs.bits,
    deflateResets: theirs.resets,
    inflateWindowBits: ours.bits,
    inflateResets: ours.resets,
  });
}

// Autobahn 12.x.1-18: [payload size, auto-fragment size] (1000 messages each there; fewer here).
const AUTOBAHN_CASES: Array<[size: number, fragmentSize: number]> = [
  [16, 0],
  [64, 0],
  [256, 0],
  [1024, 0],
  [4096, 0],
  [8192, 0],
  [16384, 0],
  [32768, 0],
  [65536, 0],
  [131072, 0],
  [8192, 256],
  [16384, 256],
  [32768, 256],
  [65536, 256],
  [131072, 256],
  [131072, 1024],
  [131072, 4096],
  [131072, 32768],
];

// Autobahn's client offers (12.x default offer; 13.x (requestNoContextTakeover, requestMaxWindowBits)).
const autobahnOffer = (noContextTakeover: boolean, maxWindowBits: number) =>
  `permessage-deflate; client_no_context_takeover; client_max_window_bits${noContextTakeover ? '; server_no_context_takeover' : ''}${maxWindowBits ? `; server_max_window_bits=${maxWindowBits}` : ''}`;

const PARAMETER_SETS: Array<[name: string, header: string, policy?: NegotiationOptions]> = [
  ['12.x default offer / 13.1 (False, 0)', autobahnOffer(false, 0)],
  ['13.2 (True, 0)', autobahnOffer(true, 0)],
  ['13.3 (False, 9)', autobahnOffer(false, 9)],
  ['13.4 (False, 15)', autobahnOffer(false, 15)],
  ['13.5 (True, 9)', autobahnOffer(true, 9)],
  ['13.6 (True, 15)', autobahnOffer(true, 15)],
  [
    '13.7 [(True, 9), (True, 0), (False, 0)]',
    [autobahnOffer(true, 9), autobahnOffer(true, 0), autobahnOffer(false, 0)].join(', '),
  ],
  ['browser offer, context takeover both ways', 'permessage-deflate; client_max_window_bits'],
  [
    'browser offer, server asks for window 8 from the client',
    'permessage-deflate; client_max_window_bits',
    { clientMaxWindowBits: 8 },
  ],
  [
    'plain offer, server without takeover and window 10',
    'permessage-deflate',
    { serverNoContextTakeover: true, serverMaxWindowBits: 10 },
  ],
];

/** Autobahn 12.1 sends text, 12.2 binary: alternate realistic text and semi-compressible binary. */
function payloadFor(size: number, index: number): { data: Uint8Array; isBinary: boolean } {
  if (index % 2 === 0) return { data: jsonText(size, index + 1), isBinary: false };
  const data = randomBytes(size, index + 5);
  for (let i = 0; i < size; i += 64) data.fill(0x41 + (i % 7), i, Math.min(size, i + 40));
  return { data, isBinary: true };
}

describe('echo through the protocol core (Autobahn 12.*, 13.*)', () => {
  for (const [name, header, policy] of PARAMETER_SETS) {
    it(`echoes every case intact and in order: ${name}`, async () => {
      const negotiated = negotiatePerMessageDeflate(parseExtensionHeader(header), policy);
      expect(negotiated).not.toBeNull();
      const { params } = negotiated!;
      const server = connect('server', [createDeflateExtension(params, 'server', policy)], { echo: true });
      const client = oracleFor(params, 'server');

      const sent: Array<{ data: Uint8Array; isBinary: boolean }> = [];
      const wire: Uint8Array[] = [];
      for (const [size, fragmentSize] of AUTOBAHN_CASES) {
        const count = size <= 4096 ? 12 : 2;
        for (let i = 0; i < count; i++) {
          const message = payloadFor(size, sent.length);
          sent.push(message);
          const compressed = await client.compress(message.data);
          wire.push(...fragment(message.isBinary ? BINARY : TEXT, compressed, fragmentSize, RSV1));
        }
      }
      feed(server.conn, concat(...wire), sent.length);
      await until(() => server.written.length >= sent.length || server.errors.length > 0, 'the echoes');
      expect(server.errors).toEqual([]);
      expect(server.received).toHaveLength(sent.length);

      // The echoes come back in order, compressed per our policy, and decompress for the peer.
      let compressedCount = 0;
      for (const [i, echo] of server.written.entries()) {
        const original = sent[i]!;
        expect(echo.fin).toBe(true);
        expect(echo.opcode).toBe(original.isBinary ? BINARY : TEXT);
        expect(echo.rsv === 0 || echo.rsv === RSV1).toBe(true);
        if (echo.rsv === RSV1) compressedCount++;
        const data = echo.rsv === RSV1 ? await client.decompress(echo.payload) : echo.payload;
        expect(sameBytes(data, original.data), `message ${i} (${original.data.length} bytes)`).toBe(true);
      }
      // Everything but the 16- and 64-byte messages is over the default threshold.
      expect(compressedCount).toBeGreaterThanOrEqual(sent.length - 24);
      server.conn.receiveEof();
      client.close();
    });
  }

  it('works as a client too: masked compressed frames out, a server that keeps its context', async () => {
    const offer = createOffer({ clientMaxWindowBits: 10 });
    const negotiated = negotiatePerMessageDeflate([offer], { serverMaxWindowBits: 12 })!;
    const params = acceptResponse(negotiated.response, offer);
    expect(params).toEqual(negotiated.params);
    const client = connect('client', [createDeflateExtension(params, 'client')]);
    const server = oracleFor(params, 'client');
    const messages = Array.from({ length: 40 }, (_, i) => jsonText(200 + i * 997, i));
    for (const message of messages) client.conn.send(message, false);
    await until(() => client.written.length === messages.length, 'the sends');
    for (const [i, sent] of client.written.entries()) {
      expect(sent.rsv).toBe(RSV1);
      expect(sameBytes(await server.decompress(sent.payload), messages[i]!)).toBe(true);
    }
    const wire: Uint8Array[] = [];
    for (const message of messages) wire.push(frame(TEXT, await server.compress(message), { rsv: RSV1, mask: false }));
    feed(client.conn, concat(...wire), 3);
    await until(() => client.received.length === messages.length, 'the messages');
    for (const [i, received] of client.received.entries()) expect(sameBytes(received.data, messages[i]!)).toBe(true);
    client.conn.receiveEof();
    server.close();
  });
});

describe('protocol errors around compression, through the core', () => {
  const params = negotiatePerMessageDeflate(parseExtensionHeader('permessage-deflate'))!.params;
  const compressed = (message: Uint8Array) =>
    deflateRawSync(message, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);

  async function failWith(
    wire: Uint8Array,
    code: number,
    extensions = [createDeflateExtension(params, 'server')],
    maxMessageSize?: number,
  ) {
    const server = connect('server', extensions, maxMessageSize === undefined ? {} : { maxMessageSize });
    server.conn.receive(wire);
    await until(() => server.closed, 'the connection to fail');
    expect(closeCodeOf(server.written)).toBe(code);
    expect(server.received).toEqual([]);
    server.conn.receiveEof();
    return server;
  }

  it('RSV1 on a continuation frame is 1002', async () => {
    const data = compressed(jsonText(1000));
    await failWith(
      concat(
        frame(TEXT, data.subarray(0, 10), { rsv: RSV1, fin: false }),
        frame(CONT, data.subarray(10), { rsv: RSV1 }),
      ),
      1002,
    );
  });

  it('RSV1 on a control frame is 1002', async () => {
    await failWith(frame(PING, bytes('hi'), { rsv: RSV1 }), 1002);
  });

  it('RSV1 without the extension negotiated is 1002', async () => {
    await failWith(frame(TEXT, compressed(bytes('Hello')), { rsv: RSV1 }), 1002, []);
  });

  it('RSV2 or RSV3 with permessage-deflate negotiated is 1002', async () => {
    await failWith(frame(TEXT, compressed(bytes('Hello')), { rsv: RSV1 | 2 }), 1002);
    await failWith(frame(BINARY, bytes('Hello'), { rsv: 1 }), 1002);
  });

  it('corrupt compressed data is 1007', async () => {
    await failWith(frame(BINARY, Uint8Array.of(0xff, 0xff, 0xff), { rsv: RSV1 }), 1007);
  });

  it('a compressed text message that inflates to invalid UTF-8 is 1007', async () => {
    await failWith(frame(TEXT, compressed(Uint8Array.of(0x48, 0xc3, 0x28, 0x48)), { rsv: RSV1 }), 1007);
  });

  it('a decompression bomb is 1009: 10 MB of zeros from ~10 KB with a 1 MB limit', async () => {
    const bomb = compressed(new Uint8Array(10 * MB));
    const server = await failWith(
      frame(BINARY, bomb, { rsv: RSV1 }),
      1009,
      [createDeflateExtension(params, 'server')],
      MB,
    );
    expect(server.errors[0]).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
  });

  it('uncompressed messages still pass with the extension negotiated (RSV1 clear)', async () => {
    const server = connect('server', [createDeflateExtension(params, 'server')], { echo: true });
    server.conn.receive(concat(frame(TEXT, bytes('plain')), frame(TEXT, compressed(bytes('packed')), { rsv: RSV1 })));
    await until(() => server.received.length === 2, 'both messages');
    expect(server.received.map((m) => new TextDecoder().decode(m.data))).toEqual(['plain', 'packed']);
    server.conn.receiveEof();
  });
});
