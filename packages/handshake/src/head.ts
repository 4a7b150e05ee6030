import {
  badRequest,
  HandshakeError,
  HandshakeErrorCode,
  HandshakeRejection,
  isHandshakeRejection,
  RejectionCode,
} from './errors.js';
import { isTokenChar } from './grammar.js';

export interface HeadParserOptions {
  /** Largest head accepted, request line and final CRLF CRLF included. Default 8 KiB. */
  maxHeadSize?: number | undefined;
  /** Most header lines accepted. Default 100. */
  maxHeaders?: number | undefined;
}

/** Header lines merged the way node:http merges them (see `parseRequestHead`). */
export type ParsedHeaders = Record<string, string | string[]>;

export interface RequestHead {
  method: string;
  /** The request-target as sent. */
  url: string;
  /** `'1.1'`. */
  httpVersion: string;
  headers: ParsedHeaders;
  /** `[name, value, name, value, ...]` as sent, name case kept, no merging. */
  rawHeaders: string[];
  /** Bytes taken by the head; everything after it belongs to the WebSocket connection. */
  headLength: number;
}

export interface ResponseHead {
  httpVersion: string;
  status: number;
  statusText: string;
  headers: ParsedHeaders;
  rawHeaders: string[];
  headLength: number;
}

const DEFAULT_MAX_HEAD_SIZE = 8 * 1024;
const DEFAULT_MAX_HEADERS = 100;
const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

// node:http keeps the first of these and drops repeats (message.headers docs); it does so for
// Host too, which we keep first only in responses. In requests a repeated Host is a 400, and
// a repeated Content-Length always is (RFC 9112 §3.2, §6.3): two readers picking different
// copies is how request smuggling starts.
const KEEP_FIRST: ReadonlySet<string> = new Set([
  'age',
  'authorization',
  'content-type',
  'etag',
  'expires',
  'from',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

type StartLine<T> = (bytes: Uint8Array, text: string, start: number, end: number) => T;

interface Parsed<T> {
  start: T;
  headers: ParsedHeaders;
  rawHeaders: string[];
  headLength: number;
}

function checkLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function malformedHeader(message: string): HandshakeRejection {
  return badRequest(RejectionCode.InvalidHeaderLine, message);
}

/** A Buffer decodes latin1 natively; the portable entry has only Uint8Array. */
type Latin1Sliceable = Uint8Array & { latin1Slice?(start: number, end: number): string };

/**
 * The bytes `[0, end)` as one latin1 string: header names and values are then slices of it
 * (no string built per character, no decode per field). A Buffer decodes it in one native
 * call; elsewhere `fromCharCode` takes it in pieces (bounded by the argument count limit).
 */
function latin1Text(bytes: Uint8Array, end: number): string {
  const sliceable = bytes as Latin1Sliceable;
  if (typeof sliceable.latin1Slice === 'function') return sliceable.latin1Slice(0, end);
  let out = '';
  for (let i = 0; i < end; i += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return out;
}

function parseHead<T>(
  bytes: Uint8Array,
  options: HeadParserOptions | undefined,
  parseStart: StartLine<T>,
  isRequest: boolean,
): Parsed<T> | null {
  const maxHeadSize = checkLimit(options?.maxHeadSize, DEFAULT_MAX_HEAD_SIZE, 'maxHeadSize');
  const maxHeaders = checkLimit(options?.maxHeaders, DEFAULT_MAX_HEADERS, 'maxHeaders');
  const limit = Math.min(bytes.length, maxHeadSize);
  const headers: ParsedHeaders = Object.create(null);
  const rawHeaders: string[] = [];
  let start: T | undefined;
  let lineStart = 0;
  let count = 0;
  // Decoded when the first line is complete: a head that has not sent one yet costs no decode.
  let text: string | undefined;

  // Lines are checked as soon as they are complete, so garbage fails at once instead of
  // waiting for the size limit; a caller re-parses from the start on each new chunk, which
  // the size limit keeps cheap.
  for (let i = 0; i < limit; i++) {
    const c = bytes[i]!;
    if (c === CR) {
      // A CR anywhere but before LF is a bare CR: ambiguous between parsers, so refused.
      if (i + 1 < bytes.length && bytes[i + 1] !== LF) throw malformedHeader('Bare CR in the head');
      continue;
    }
    if (c !== LF) continue;
    // Decision: lines end with CRLF only. RFC 9112 §2.2 lets a recipient accept a bare LF, but
    // no WebSocket client sends one, and a proxy in front that reads it differently would see
    // a different request: strictness costs nothing and removes the ambiguity.
    if (i === lineStart || bytes[i - 1] !== CR) throw malformedHeader('Bare LF in the head (lines must end with CRLF)');
    const lineEnd = i - 1;
    if (start === undefined) {
      // RFC 9112 §2.2: ignore empty lines before the start line (leftovers of a previous message).
      if (lineEnd > lineStart) {
        text ??= latin1Text(bytes, limit);
        start = parseStart(bytes, text, lineStart, lineEnd);
      }
    } else if (lineEnd === lineStart) {
      return { start, headers, rawHeaders, headLength: i + 1 };
    } else {
      if (++count > maxHeaders) {
        throw new HandshakeRejection(431, `More than ${maxHeaders} header lines`, {
          code: RejectionCode.TooManyHeaders,
        });
      }
      parseHeaderLine(bytes, text as string, lineStart, lineEnd, headers, rawHeaders, isRequest);
    }
    lineStart = i + 1;
  }
  if (bytes.length >= maxHeadSize) {
    throw new HandshakeRejection(431, `Head larger than ${maxHeadSize} bytes`, { code: RejectionCode.HeadTooLarge });
  }
  return null;
}

function parseHeaderLine(
  bytes: Uint8Array,
  text: string,
  start: number,
  end: number,
  headers: ParsedHeaders,
  rawHeaders: string[],
  isRequest: boolean,
): void {
  const first = bytes[start]!;
  // obs-fold (RFC 9112 §5.2): a server must reject it or replace it; we reject.
  if (first === SP || first === HTAB) throw malformedHeader('Folded header line (obs-fold)');
  let colon = start;
  while (colon < end && isTokenChar(bytes[colon]!)) colon++;
  if (colon === start || colon === end || bytes[colon] !== 0x3a) {
    // Covers whitespace before the colon, which RFC 9112 §5.1 requires a server to reject.
    throw malformedHeader('Invalid header line');
  }
  let valueStart = colon + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && (bytes[valueStart] === SP || bytes[valueStart] === HTAB)) valueStart++;
  while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)) valueEnd--;
  for (let i = valueStart; i < valueEnd; i++) {
    const c = bytes[i]!;
    // field-vchar / SP / HTAB; obs-text (0x80-0xFF) is kept, decoded as latin1 like node does.
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) throw malformedHeader('Control character in a header value');
  }
  const rawName = text.slice(start, colon);
  const value = text.slice(valueStart, valueEnd);
  rawHeaders.push(rawName, value);
  const name = rawName.toLowerCase();
  const previous = headers[name];
  if (name === 'set-cookie') {
    if (previous === undefined) headers[name] = [value];
    else (previous as string[]).push(value);
    return;
  }
  if (previous === undefined) {
    headers[name] = value;
  } else if (name === 'content-length' || (isRequest && name === 'host')) {
    throw badRequest(
      name === 'host' ? RejectionCode.InvalidHost : RejectionCode.InvalidHeaderLine,
      `Repeated ${rawName} header`,
    );
  } else if (name === 'cookie') {
    headers[name] = `${previous as string}; ${value}`;
  } else if (!KEEP_FIRST.has(name) && name !== 'host') {
    headers[name] = `${previous as string}, ${value}`;
  }
}

// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
function httpVersionAt(bytes: Uint8Array, at: number): string | null {
  if (
    bytes[at] !== 0x48 ||
    bytes[at + 1] !== 0x54 ||
    bytes[at + 2] !== 0x54 ||
    bytes[at + 3] !== 0x50 ||
    bytes[at + 4] !== 0x2f ||
    bytes[at + 6] !== 0x2e
  ) {
    return null;
  }
  const major = bytes[at + 5]!;
  const minor = bytes[at + 7]!;
  if (major < 0x30 || major > 0x39 || minor < 0x30 || minor > 0x39) return null;
  return `${major - 0x30}.${minor - 0x30}`;
}

interface RequestLine {
  method: string;
  url: string;
  httpVersion: string;
}

// request-line = method SP request-target SP HTTP-version, single spaces (RFC 9112 §3).
function parseRequestLine(bytes: Uint8Array, text: string, start: number, end: number): RequestLine {
  const invalid = () => badRequest(RejectionCode.InvalidRequestLine, 'Invalid request line');
  let i = start;
  while (i < end && isTokenChar(bytes[i]!)) i++;
  if (i === start || bytes[i] !== SP) throw invalid();
  const method = text.slice(start, i);
  const targetStart = ++i;
  while (i < end && bytes[i]! > 0x20 && bytes[i]! < 0x7f) i++;
  if (i === targetStart || bytes[i] !== SP) throw invalid();
  const url = text.slice(targetStart, i);
  i++;
  const httpVersion = end - i === 8 ? httpVersionAt(bytes, i) : null;
  if (httpVersion === null) throw invalid();
  return { method, url, httpVersion };
}

interface StatusLine {
  httpVersion: string;
  status: number;
  statusText: string;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).
function parseStatusLine(bytes: Uint8Array, text: string, start: number, end: number): StatusLine {
  const httpVersion = end - start >= 12 ? httpVersionAt(bytes, start) : null;
  let status = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const d = bytes[i]!;
    if (d < 0x30 || d > 0x39) status = Number.NaN;
    status = status * 10 + (d - 0x30);
  }
  const reasonOk = end - start === 12 || bytes[start + 12] === SP;
  if (httpVersion === null || bytes[start + 8] !== SP || Number.isNaN(status) || status < 100 || !reasonOk) {
    throw badRequest(RejectionCode.InvalidRequestLine, 'Invalid status line');
  }
  for (let i = start + 13; i < end; i++) {
    const c = bytes[i]!;
    if ((c < 0x20 && c !== HTAB) || c === 0x7f)
      throw badRequest(RejectionCode.InvalidRequestLine, 'Invalid status line');
  }
  return { httpVersion, status, statusText: end - start > 13 ? text.slice(start + 13, end) : '' };
}

/**
 * Parses an HTTP/1.x request head from the bytes read so far on a raw socket. Returns `null`
 * while the head is incomplete (call again with more bytes), or the head and its length.
 *
 * Strict (each failure a `HandshakeRejection`): single-SP request line with a token method and
 * `HTTP/d.d`; token header names directly followed by `:`; no obs-fold; no control characters
 * in values; lines end in CRLF (bare LF and bare CR → 400); a repeated `Host` or
 * `Content-Length` → 400; a head over `maxHeadSize` or more than `maxHeaders` lines → 431.
 *
 * Headers come out as node:http builds `message.headers`: names lower-cased, values trimmed
 * of OWS and decoded as latin1, repeats joined with ', ' except `set-cookie` (an array),
 * `cookie` (joined with '; ') and the fields node keeps only the first of (user-agent,
 * authorization, ...). So the result can go straight to `validateUpgradeRequest`.
 */
export function parseRequestHead(bytes: Uint8Array, options?: HeadParserOptions): RequestHead | null {
  const parsed = parseHead(bytes, options, parseRequestLine, true);
  if (parsed === null) return null;
  const { start, headers, rawHeaders, headLength } = parsed;
  return { method: start.method, url: start.url, httpVersion: start.httpVersion, headers, rawHeaders, headLength };
}

/**
 * The client-side counterpart: parses an HTTP/1.x response head (status line, headers) with
 * the same rules and limits, for a client on a raw socket. Malformed or oversized input throws
 * a `HandshakeError` with code `WS_ERR_INVALID_RESPONSE`.
 */
export function parseResponseHead(bytes: Uint8Array, options?: HeadParserOptions): ResponseHead | null {
  let parsed: Parsed<StatusLine> | null;
  try {
    parsed = parseHead(bytes, options, parseStatusLine, false);
  } catch (error) {
    if (!isHandshakeRejection(error)) throw error;
    throw new HandshakeError(HandshakeErrorCode.InvalidResponse, `Invalid response head: ${error.message}`, {
      cause: error,
    });
  }
  if (parsed === null) return null;
  const { start, headers, rawHeaders, headLength } = parsed;
  return { ...start, headers, rawHeaders, headLength };
}
