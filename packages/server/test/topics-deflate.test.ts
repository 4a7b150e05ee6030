import { randomBytes } from 'node:crypto';
import { constants, inflateRawSync } from 'node:zlib';
import type * as Deflate from '@websock/permessage-deflate';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
// The client by path: a devDependency on it would make a build cycle (the client's tests use the server).
import { connect, type NodeWebSocket } from '../../client/src/index.js';
import type { ServerWebSocket } from '../src/index.js';
import { openRaw, type RawPeer, upgradeRequest } from './raw.js';
import { closeServers, connectClient, type Inbox, startServer, type TopicsServer } from './topics-helpers.js';

// Spy on the shared encoder: how many compressions a publish costs, and for which windows.
const compressions = vi.hoisted(() => ({ windows: [] as number[] }));
vi.mock('@websock/permessage-deflate', async (importOriginal) => {
  const actual = await importOriginal<typeof Deflate>();
  return {
    ...actual,
    compressShared: (...args: Parameters<typeof actual.compressShared>) => {
      compressions.windows.push(args[1].windowBits);
      return actual.compressShared(...args);
    },
  };
});

beforeEach(() => {
  compressions.windows.length = 0;
});
afterEach(closeServers);

interface ServerFrame {
  rsv1: boolean;
  opcode: number;
  /** The whole frame as it came off the wire. */
  raw: Buffer;
  payload: Buffer;
}

/** Splits unmasked server frames (the test's own reader: independent of @websock/frame). */
function splitFrames(bytes: Buffer): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let offset = 0;
  while (offset + 2 <= bytes.length) {
    const b0 = bytes[offset] as number;
    let length = (bytes[offset + 1] as number) & 0x7f;
    let start = offset + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > bytes.length) break;
    frames.push({
      rsv1: (b0 & 0x40) !== 0,
      opcode: b0 & 0x0f,
      raw: bytes.subarray(offset, start + length),
      payload: bytes.subarray(start, start + length),
    });
    offset = start + length;
  }
  return frames;
}

/** A raw TCP client that negotiates `extensions` and keeps the exact bytes of every frame. */
async function rawSubscriber(
  target: TopicsServer,
  extensions: string,
): Promise<{
  peer: RawPeer;
  ws: ServerWebSocket<undefined>;
  frames(): ServerFrame[];
  waitFrames(n: number): Promise<ServerFrame[]>;
}> {
  const peer = await openRaw(target.port);
  peer.socket.write(upgradeRequest(target.port, { 'Sec-WebSocket-Extensions': extensions }));
  const ws = await target.nextOpen();
  const frames = () => {
    const all = peer.received();
    const end = all.indexOf('\r\n\r\n');
    return end === -1 ? [] : splitFrames(all.subarray(end + 4));
  };
  return {
    peer,
    ws,
    frames,
    async waitFrames(n) {
      let have = frames();
      while (have.length < n) {
        await peer.read(peer.received().length + 1);
        have = frames();
      }
      return have;
    },
  };
}

/** Our own client, recording messages through its handler object. */
async function ownClient(target: TopicsServer, perMessageDeflate: Deflate.PerMessageDeflateOptions) {
  const messages: Array<{ data: Buffer; isBinary: boolean }> = [];
  const waiters: Array<() => void> = [];
  const opened = target.nextOpen();
  const client: NodeWebSocket<undefined> = await connect(target.url, {
    perMessageDeflate,
    message(_ws, data, isBinary) {
      messages.push({ data: Buffer.from(data), isBinary });
      for (const wake of waiters.splice(0)) wake();
    },
  });
  const inbox: Inbox = {
    messages,
    texts: () => messages.map((m) => m.data.toString()),
    async count(n) {
      while (messages.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return messages;
    },
  };
  return { client, inbox, ws: await opened };
}

const jsonText = (n: number) =>
  JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i, name: `user-${i % 37}`, online: i % 3 === 0 })));

describe('publishing to subscribers with different permessage-deflate parameters', () => {
  it('every subscriber decodes every message; no-context-takeover subscribers share one compression per window', async () => {
    const target = await startServer({ perMessageDeflate: true });
    const nct = (bits: number) => ({ perMessageDeflate: { serverNoContextTakeover: true, serverMaxWindowBits: bits } });
    const subscribers = [
      await connectClient(target, nct(9)),
      await connectClient(target, nct(10)),
      await connectClient(target, nct(15)),
      await connectClient(target, { perMessageDeflate: true }), // context takeover
      await connectClient(target, { perMessageDeflate: false }),
      await ownClient(target, {}), // @websock/client, context takeover
      await ownClient(target, { serverNoContextTakeover: true }), // @websock/client, window 15
    ];
    const offer = 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10';
    const raws = [await rawSubscriber(target, offer), await rawSubscriber(target, offer)];
    for (const { ws } of [...subscribers, ...raws]) ws.subscribe('feed');

    const messages: Array<[Buffer, boolean]> = [
      [Buffer.from('small'), false], // under the threshold: plain, for everyone
      [Buffer.from(jsonText(60)), false], // compressed on the calling thread
      [Buffer.from(jsonText(800)), true], // > 16 KiB: compressed on the thread pool
      [randomBytes(2000), true], // does not shrink: the plain frame instead
      [Buffer.from(jsonText(30)), false],
    ];
    for (const [data, isBinary] of messages) expect(target.server.publish('feed', data, isBinary)).toBe(9);

    for (const { inbox } of subscribers) {
      const received = await inbox.count(messages.length);
      // Compared as base64: deep equality over large Buffers is slow.
      expect(received.map((m) => [m.data.toString('base64'), m.isBinary])).toEqual(
        messages.map(([data, isBinary]) => [data.toString('base64'), isBinary]),
      );
    }
    // Four messages at or over the threshold, three distinct windows among no-context-takeover subscribers.
    expect(compressions.windows.sort((a, b) => a - b)).toEqual([9, 9, 9, 9, 10, 10, 10, 10, 15, 15, 15, 15]);

    const [one, two] = await Promise.all(raws.map((raw) => raw.waitFrames(messages.length)));
    expect(one?.map((f) => f.raw.toString('hex'))).toEqual(two?.map((f) => f.raw.toString('hex')));
    expect(one?.map((f) => f.rsv1)).toEqual([false, true, true, false, true]);
    one?.forEach((frame, i) => {
      const [data, isBinary] = messages[i] as [Buffer, boolean];
      expect(frame.opcode).toBe(isBinary ? 2 : 1);
      const payload = frame.rsv1
        ? inflateRawSync(Buffer.concat([frame.payload, Buffer.from([0, 0, 0xff, 0xff])]), {
            windowBits: 10,
            finishFlush: constants.Z_SYNC_FLUSH,
          })
        : frame.payload;
      expect(payload.equals(data)).toBe(true);
    });
    for (const raw of raws) raw.peer.close();
  });

  it('sends messages under the threshold uncompressed to everyone, compressing nothing', async () => {
    const target = await startServer({ perMessageDeflate: { threshold: 1024 } });
    const compressed = await connectClient(target, {
      perMessageDeflate: { serverNoContextTakeover: true, threshold: 0 },
    });
    const raw = await rawSubscriber(target, 'permessage-deflate; server_no_context_takeover');
    const context = await connectClient(target, { perMessageDeflate: true });
    for (const { ws } of [compressed, raw, context]) ws.subscribe('t');
    const text = 'a'.repeat(1000);
    target.server.publish('t', text);
    target.server.publish('t', 'b'.repeat(2000));
    const [under, over] = await raw.waitFrames(2);
    expect(under?.rsv1).toBe(false);
    expect(over?.rsv1).toBe(true);
    expect(compressions.windows).toEqual([15]);
    for (const { inbox } of [compressed, context]) {
      expect((await inbox.count(2)).map((m) => m.data.length)).toEqual([1000, 2000]);
    }
    raw.peer.close();
  });

  it('keeps each context-takeover subscriber’s own compression history consistent across sends and publishes', async () => {
    const target = await startServer({ perMessageDeflate: true });
    const subscriber = await connectClient(target, { perMessageDeflate: true });
    subscriber.ws.subscribe('t');
    const expected: string[] = [];
    for (let i = 0; i < 10; i++) {
      const text = jsonText(20 + i);
      subscriber.ws.send(text);
      target.server.publish('t', text.toUpperCase());
      expected.push(text, text.toUpperCase());
    }
    expect((await subscriber.inbox.count(20)).map((m) => m.data.toString())).toEqual(expected);
    expect(compressions.windows).toEqual([]); // each compressed by the subscriber's own codec
  });
});
