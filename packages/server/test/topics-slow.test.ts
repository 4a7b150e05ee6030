import { afterEach, describe, expect, it } from 'vitest';
import { clientFrame, openRaw, upgradeRequest } from './raw.js';
import { closeServers, connectClient, startServer, type TopicsServer } from './topics-helpers.js';

afterEach(closeServers);

const MESSAGE_SIZE = 16 * 1024;
/** Header of an unmasked binary frame of MESSAGE_SIZE bytes (126: 16-bit length). */
const FRAME_SIZE = 4 + MESSAGE_SIZE;
const PER_ROUND = 16;
const MAX_ROUNDS = 400;

function message(index: number): Buffer {
  const data = Buffer.alloc(MESSAGE_SIZE, index & 0xff);
  data.writeUInt32BE(index, 0);
  return data;
}

/** A subscriber that completes the handshake and then never reads. */
async function stalledSubscriber(target: TopicsServer) {
  const peer = await openRaw(target.port);
  peer.socket.write(upgradeRequest(target.port));
  const ws = await target.nextOpen();
  // The whole 101 response has arrived: the handshake is done.
  while (peer.received().indexOf('\r\n\r\n') === -1) await peer.read(peer.received().length + 1);
  peer.socket.pause();
  return { peer, ws };
}

/**
 * Publishes rounds of PER_ROUND messages (each round in one turn), waiting after each round
 * until the fast subscribers have everything, until `done()`. Returns the messages published
 * and the largest `bufferedAmount` seen on the slow subscriber.
 */
async function publishRounds(
  target: TopicsServer,
  fast: Array<{ inbox: { count(n: number): Promise<unknown> } }>,
  slow: { bufferedAmount: number },
  done: () => boolean,
): Promise<{ published: number; maxBuffered: number }> {
  let published = 0;
  let maxBuffered = 0;
  for (let round = 0; round < MAX_ROUNDS && !done(); round++) {
    for (let i = 0; i < PER_ROUND; i++) {
      target.server.publish('feed', message(published++));
      maxBuffered = Math.max(maxBuffered, slow.bufferedAmount);
    }
    await Promise.all(fast.map(({ inbox }) => inbox.count(published)));
  }
  return { published, maxBuffered };
}

describe('a slow subscriber among fast ones', () => {
  it('is closed with 1008 past maxBufferedAmount; the fast ones get everything', async () => {
    const limit = 512 * 1024;
    const target = await startServer({ maxBufferedAmount: limit });
    const fast = [await connectClient(target), await connectClient(target), await connectClient(target)];
    const slow = await stalledSubscriber(target);
    for (const { ws } of [...fast, slow]) ws.subscribe('feed');

    const { published, maxBuffered } = await publishRounds(target, fast, slow.ws, () => slow.ws.readyState !== 1);
    expect(slow.ws.readyState).toBe(2); // closing, with 1008
    // Bounded: the limit, plus the frame that crossed it and the close frame.
    expect(maxBuffered).toBeLessThanOrEqual(limit + FRAME_SIZE + 64);
    for (const { inbox, ws } of fast) {
      const received = await inbox.count(published);
      expect(received.length).toBe(published);
      expect(received.map((m) => (m as { data: Buffer }).data.readUInt32BE(0))).toEqual([...Array(published).keys()]);
      expect(ws.readyState).toBe(1);
    }
    // Once it reads again, it gets what was queued before the close, then the close frame: 1008.
    const closeFrame = Buffer.concat([Buffer.from([0x88, 15, 0x03, 0xf0]), Buffer.from('slow consumer')]);
    slow.peer.socket.resume();
    while (!slow.peer.received().subarray(-closeFrame.length).equals(closeFrame)) {
      await slow.peer.read(slow.peer.received().length + 1);
    }
    slow.peer.socket.write(clientFrame(8, Buffer.from([0x03, 0xf0])));
    await slow.peer.ended;
    slow.peer.close();
  });

  it('misses messages past publishDropThreshold, reported to `dropped`, and stays connected', async () => {
    const threshold = 256 * 1024;
    const dropped: Array<[unknown, string, number]> = [];
    const target = await startServer({
      maxBufferedAmount: 64 * 1024 * 1024,
      publishDropThreshold: threshold,
      dropped: (ws, topic, data) => dropped.push([ws, topic, data.length]),
    });
    const fast = [await connectClient(target), await connectClient(target)];
    const slow = await stalledSubscriber(target);
    for (const { ws } of [...fast, slow]) ws.subscribe('feed');

    // Publish until drops start, then as much again.
    let droppedAt = 0;
    const { published, maxBuffered } = await publishRounds(target, fast, slow.ws, () => {
      if (dropped.length > 0 && droppedAt === 0) droppedAt = dropped.length;
      return droppedAt > 0 && dropped.length >= droppedAt + 64;
    });
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every(([ws, topic, size]) => ws === slow.ws && topic === 'feed' && size === MESSAGE_SIZE)).toBe(
      true,
    );
    expect(slow.ws.readyState).toBe(1);
    expect(maxBuffered).toBeLessThanOrEqual(threshold + FRAME_SIZE);
    for (const { inbox } of fast) expect((await inbox.count(published)).length).toBe(published);

    // Reading again, it gets exactly the messages that were not dropped, in order.
    const delivered = published - dropped.length;
    const head = slow.peer.received().indexOf('\r\n\r\n') + 4;
    slow.peer.socket.resume();
    const bytes = await slow.peer.read(head + delivered * FRAME_SIZE);
    const indexes: number[] = [];
    for (let offset = head; offset < bytes.length; offset += FRAME_SIZE) indexes.push(bytes.readUInt32BE(offset + 4));
    expect(indexes.length).toBe(delivered);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    slow.peer.close();
  });
});
