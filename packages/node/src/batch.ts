import type { Duplex as Socket } from 'node:stream';

/**
 * Output batching for the hot path. While a connection handles one received chunk,
 * the small frames it writes in reply (echoes, pongs) are packed back to back into
 * one shared slab and handed to the socket as a single buffer when the chunk is
 * done: one write and one iovec instead of one per frame, which is most of what a
 * small-message echo costs. JavaScript runs one handler at a time, so one slab serves
 * every connection; a region handed to a socket is never written again.
 */
const SLAB_SIZE = 64 * 1024;
/** Frames up to this size are packed; larger ones go out as header + payload, uncopied. */
export const BATCH_FRAME_LIMIT = 2048;

let slab: Buffer = Buffer.allocUnsafe(0);
let used = 0;
let owner: Socket | null = null;
let start = 0;

/** Starts batching for `socket` (the connection about to handle received bytes). */
export function beginBatch(socket: Socket): void {
  if (owner !== null) endBatch();
  owner = socket;
  start = used;
}

/** Writes what was batched for the current owner and stops batching. */
export function endBatch(): void {
  flush();
  owner = null;
}

/** Whether frames written on `socket` now may be appended to the batch. */
export function isBatching(socket: Socket): boolean {
  return owner === socket;
}

/** Bytes batched for `socket` and not yet written to it. */
export function batchedBytesOf(socket: Socket): number {
  return owner === socket ? used - start : 0;
}

/** Appends one small frame (header + payload, at most BATCH_FRAME_LIMIT bytes) to the batch. */
export function appendFrame(header: Uint8Array, payload: Uint8Array): void {
  const size = header.length + payload.length;
  if (used + size > slab.length) {
    flush();
    slab = Buffer.allocUnsafe(SLAB_SIZE);
    used = 0;
    start = 0;
  }
  slab.set(header, used);
  slab.set(payload, used + header.length);
  used += size;
}

/**
 * Writes what is batched for `socket`, if anything: call it before writing to or
 * ending that socket directly, so the batched frames keep their place on the wire.
 */
export function flushBatchOf(socket: Socket): void {
  if (owner === socket) flush();
}

function flush(): void {
  if (used > start && owner !== null && owner.writable) owner.write(slab.subarray(start, used));
  start = used;
}
