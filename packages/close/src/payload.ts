// The payload of a close frame (RFC 6455 §5.5.1): empty, or a 2-byte big-endian
// code followed by a UTF-8 reason, 125 bytes at most in all.
import { isUtf8 } from '@websock/utf8';
import {
  CloseCode,
  isValidReceivedCloseCode,
  isValidSendCloseCode,
  MAX_CLOSE_PAYLOAD_LENGTH,
  MAX_CLOSE_REASON_LENGTH,
} from './codes';
import { CloseFrameError, CloseFrameErrorCode, InvalidCloseCodeError, InvalidCloseReasonError } from './errors';

export type ParsedClose = { ok: true; code: number; reason: string } | { ok: false; error: CloseFrameError };

export interface EncodeCloseOptions {
  /**
   * Cut a reason longer than 123 UTF-8 bytes at the last code point boundary that
   * fits, instead of throwing. Off by default: a silently shortened reason is a
   * surprise, but handy when the reason is, say, an error message.
   */
  truncateReason?: boolean;
}

// Validated with isUtf8 first, so the decoder never has to replace anything.
// ignoreBOM keeps a leading U+FEFF: it is part of the reason the peer sent.
const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = /* @__PURE__ */ new TextEncoder();

const EMPTY = new Uint8Array(0);

/**
 * Parses the payload of a received close frame. Never throws for the peer's
 * mistakes: returns `{ ok: false, error }` with the close code to fail with.
 *
 * - empty: `{ ok: true, code: 1005, reason: '' }` (no status; 1005 is what the
 *   application is told, and an empty close frame is what gets echoed)
 * - 1 byte, or over 125 bytes: 1002
 * - a code not valid on the wire (see `isValidReceivedCloseCode`): 1002
 * - a reason that is not valid UTF-8: 1007
 */
export function parseClosePayload(payload: Uint8Array): ParsedClose {
  const length = payload.length;
  if (length === 0) return { ok: true, code: CloseCode.NoStatus, reason: '' };
  if (length > MAX_CLOSE_PAYLOAD_LENGTH) {
    return fail(CloseFrameErrorCode.TooLong, `close frame payload of ${length} bytes exceeds 125`);
  }
  if (length === 1)
    return fail(CloseFrameErrorCode.InvalidLength, 'close frame payload of 1 byte has no room for a code');
  const code = (payload[0]! << 8) | payload[1]!;
  if (!isValidReceivedCloseCode(code)) return fail(CloseFrameErrorCode.InvalidCode, `invalid close code ${code}`);
  if (length === 2) return { ok: true, code, reason: '' };
  const reasonBytes = payload.subarray(2);
  if (!isUtf8(reasonBytes)) return fail(CloseFrameErrorCode.InvalidUtf8, 'close reason is not valid UTF-8');
  return { ok: true, code, reason: decoder.decode(reasonBytes) };
}

function fail(code: CloseFrameErrorCode, message: string): ParsedClose {
  return { ok: false, error: new CloseFrameError(code, message) };
}

/**
 * Throws an {@link InvalidCloseCodeError} (a RangeError) unless the application may
 * send `code`: 1000-1003, 1007-1014 or 3000-4999.
 */
export function assertSendableCloseCode(code: number): void {
  if (isValidSendCloseCode(code)) return;
  let why: string;
  if (typeof code !== 'number' || !Number.isInteger(code)) why = 'it is not an integer';
  else if (code === 1005 || code === 1006 || code === 1015)
    why = 'it is reserved for reporting a closure locally and is never sent';
  else if (code === 1004 || (code >= 1016 && code <= 2999)) why = 'it is reserved';
  else why = 'it is outside the defined ranges';
  throw new InvalidCloseCodeError(
    code,
    `Invalid close code ${String(code)}: ${why}. Use 1000-1003, 1007-1014, or 3000-4999.`,
  );
}

/**
 * Builds the payload of a close frame to send.
 *
 * - no code: an empty payload (a reason without a code is refused: the frame
 *   format cannot carry one)
 * - `code` must be sendable (see `assertSendableCloseCode`)
 * - `reason` is encoded as UTF-8 (a lone surrogate becomes U+FFFD, as in
 *   `TextEncoder`) and must fit in 123 bytes, unless `truncateReason` is set, which
 *   cuts it at the last code point boundary that fits
 */
export function encodeClosePayload(code?: number, reason?: string, options?: EncodeCloseOptions): Uint8Array {
  if (code === undefined) {
    if (reason !== undefined && reason !== '') {
      throw new InvalidCloseReasonError(
        'WS_ERR_CLOSE_REASON_WITHOUT_CODE',
        'A close reason cannot be sent without a close code.',
      );
    }
    return EMPTY;
  }
  assertSendableCloseCode(code);
  let reasonBytes = reason === undefined || reason === '' ? EMPTY : encoder.encode(reason);
  if (reasonBytes.length > MAX_CLOSE_REASON_LENGTH) {
    if (options?.truncateReason !== true) {
      throw new InvalidCloseReasonError(
        'WS_ERR_CLOSE_REASON_TOO_LONG',
        `A close reason must be at most 123 bytes of UTF-8; got ${reasonBytes.length}. Shorten it or pass { truncateReason: true }.`,
      );
    }
    // Back up over continuation bytes so the cut falls between code points.
    let cut = MAX_CLOSE_REASON_LENGTH;
    while ((reasonBytes[cut]! & 0xc0) === 0x80) cut--;
    reasonBytes = reasonBytes.subarray(0, cut);
  }
  const payload = new Uint8Array(2 + reasonBytes.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(reasonBytes, 2);
  return payload;
}
