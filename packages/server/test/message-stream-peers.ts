// Peers and measures for the message-stream tests: a raw client that sends one huge frame without
// holding it, a reader that hashes a message stream, and the process's memory after a full GC.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MessageStream } from '../src/index.js';
import { headEnd, openRaw, type RawPeer, upgradeRequest } from './raw.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Bytes of JavaScript heap and ArrayBuffers in use, after full collections: what is really held.
 * Twice: ArrayBuffer memory freed by one collection is counted until the next one has run.
 */
export function heldMemory(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Deterministic incompressible data without holding it: pieces of a 1 MiB pool at moving offsets. */
export function randomSource(pieceSize: number): (i: number) => Buffer {
  const pool = randomBytes(1024 * 1024 + pieceSize);
  return (i) => {
    const offset = (i * 4099) % (1024 * 1024);
    return pool.subarray(offset, offset + pieceSize);
  };
}

export interface StreamRead {
  hash: string;
  bytes: number;
  chunks: number;
  /** Most bytes held over the baseline, sampled after a GC every `sampleEvery` bytes. */
  peakGrowth: number;
}

/**
 * Reads a message stream to its end, hashing it. With `baseline`, weighs the process's memory
 * (after a full GC) every `sampleEvery` bytes and keeps the largest growth over the baseline.
 */
export async function readAll(
  stream: MessageStream,
  baseline?: number,
  sampleEvery = 8 * 1024 * 1024,
): Promise<StreamRead> {
  const hash = createHash('sha256');
  let bytes = 0;
  let chunks = 0;
  let nextSample = sampleEvery;
  let peakGrowth = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.length;
    chunks++;
    if (baseline !== undefined && bytes >= nextSample) {
      nextSample += sampleEvery;
      peakGrowth = Math.max(peakGrowth, heldMemory() - baseline);
    }
  }
  return { hash: hash.digest('hex'), bytes, chunks, peakGrowth };
}

/** A raw client past the opening handshake (no extensions). */
export async function rawClient(port: number): Promise<RawPeer> {
  const peer = await openRaw(port);
  peer.socket.write(upgradeRequest(port));
  await peer.waitFor((received) => headEnd(received) !== -1);
  return peer;
}

/**
 * Sends one binary frame of `total` bytes as `piece(i)` after `piece(i)`, each written when the
 * socket takes it (the sender never holds the message). The mask key is 0: masking is then the
 * identity, so the pieces go as they are. Returns the hash of what was sent.
 */
export async function sendHugeFrame(peer: RawPeer, total: number, piece: (i: number) => Buffer): Promise<string> {
  const header = Buffer.alloc(14);
  header[0] = 0x82;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(total), 2);
  peer.socket.write(header);
  const hash = createHash('sha256');
  let sent = 0;
  for (let i = 0; sent < total; i++) {
    const chunk = piece(i).subarray(0, total - sent);
    hash.update(chunk);
    sent += chunk.length;
    if (!peer.socket.write(chunk)) await once(peer.socket, 'drain');
  }
  return hash.digest('hex');
}
