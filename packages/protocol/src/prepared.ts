import { encodeFrame, Opcode } from '@websock/frame';

/**
 * A whole server frame (unmasked, final) encoded once, to be written as it is to any number of
 * connections: server frames carry no mask, so one message framed once is the same bytes for
 * every receiver (a topic's publish). Read-only: the same object goes to many connections.
 *
 * `header` is written first, then `payload`. A small frame is joined into `header` alone (and
 * `payload` is empty), so each connection writes one buffer without copying it.
 */
export interface PreparedFrame {
  readonly header: Uint8Array;
  readonly payload: Uint8Array;
}

/** Frames up to this payload size are joined into one buffer when prepared. */
export const PREPARED_JOIN_LIMIT = 16 * 1024;

const EMPTY = new Uint8Array(0);
const RSV_BITS = 0x70;
const MASK_BIT = 0x80;

/**
 * Frames one message for many connections: a final, unmasked text or binary frame. `rsv` is
 * the extension bits of the payload as given (4, RSV1, for a permessage-deflate payload that is
 * already compressed); the core checks that each connection negotiated them.
 * Throws RangeError/TypeError for invalid arguments.
 */
export function prepareFrame(payload: Uint8Array, isBinary: boolean, rsv = 0): PreparedFrame {
  const [header, body] = encodeFrame(isBinary ? Opcode.Binary : Opcode.Text, payload, { rsv });
  if (body.length > PREPARED_JOIN_LIMIT) return { header, payload: body };
  const joined = new Uint8Array(header.length + body.length);
  joined.set(header, 0);
  joined.set(body, header.length);
  return { header: joined, payload: EMPTY };
}

/** Bytes a prepared frame puts on the wire. */
export function preparedLength(frame: PreparedFrame): number {
  return frame.header.length + frame.payload.length;
}

/**
 * Why a connection cannot write `frame`, or null: the frame must be unmasked (a server's) and
 * may only set the RSV bits of the connection's negotiated extensions (`allowedRsv`).
 */
export function preparedFrameProblem(frame: PreparedFrame, allowedRsv: number): string | null {
  const first = frame.header[0];
  const second = frame.header[1];
  if (first === undefined || second === undefined) return 'a prepared frame has no header';
  if ((second & MASK_BIT) !== 0) return 'a prepared frame must not be masked';
  if ((((first & RSV_BITS) >> 4) & ~allowedRsv) !== 0) {
    return 'a prepared frame sets reserved bits no negotiated extension owns';
  }
  return null;
}
