/**
 * Error tree of the handshake:
 *
 * - `HandshakeRejection` (server side): the request cannot be upgraded. It carries the HTTP
 *   answer to send (status, headers, a short text body from `message`), because a handshake
 *   failure is always answered, never dropped silently. Raised for a peer's malformed request
 *   and thrown by the application's own hooks (401, 403, 429 ...).
 * - `HandshakeError` (client side): the server's answer does not complete a WebSocket handshake.
 * - Local misuse (a header value with CR/LF, a protocol that was never offered, an invalid token
 *   passed by the application) throws plain `TypeError`/`RangeError`.
 *
 * Both classes are recognised across copies of this package (an application may load a server
 * through `import` and the rejection it throws through `require`): `instanceof` and the guards
 * `isHandshakeRejection` / `isHandshakeError` check a `Symbol.for` brand, not the prototype chain.
 */
import { assertHeaderName, assertHeaderValue } from './grammar.js';
import { reasonPhrase } from './status.js';

/** Machine-readable codes of {@link HandshakeRejection}s raised by this package. */
export const RejectionCode = {
  /** Rejected by the application (default code of a hand-made rejection). */
  Rejected: 'WS_ERR_REJECTED',
  InvalidMethod: 'WS_ERR_INVALID_METHOD',
  InvalidHttpVersion: 'WS_ERR_INVALID_HTTP_VERSION',
  InvalidUrl: 'WS_ERR_INVALID_URL',
  MissingHost: 'WS_ERR_MISSING_HOST',
  InvalidHost: 'WS_ERR_INVALID_HOST',
  MissingUpgrade: 'WS_ERR_MISSING_UPGRADE',
  InvalidUpgrade: 'WS_ERR_INVALID_UPGRADE',
  MissingConnection: 'WS_ERR_MISSING_CONNECTION',
  InvalidConnection: 'WS_ERR_INVALID_CONNECTION',
  MissingKey: 'WS_ERR_MISSING_KEY',
  InvalidKey: 'WS_ERR_INVALID_KEY',
  MissingVersion: 'WS_ERR_MISSING_VERSION',
  InvalidVersion: 'WS_ERR_INVALID_VERSION',
  UnsupportedVersion: 'WS_ERR_UNSUPPORTED_VERSION',
  InvalidProtocol: 'WS_ERR_INVALID_PROTOCOL',
  InvalidExtensions: 'WS_ERR_INVALID_EXTENSIONS',
  InvalidOrigin: 'WS_ERR_INVALID_ORIGIN',
  UnexpectedBody: 'WS_ERR_UNEXPECTED_BODY',
  /** RFC 8441: `:protocol`, `:scheme`, `:path` or `:authority` missing or wrong. */
  InvalidPseudoHeader: 'WS_ERR_INVALID_PSEUDO_HEADER',
  /** Raw request head: bad request line. */
  InvalidRequestLine: 'WS_ERR_INVALID_REQUEST_LINE',
  /** Raw request head: bad header line (syntax, obs-fold, bare CR or LF). */
  InvalidHeaderLine: 'WS_ERR_INVALID_HEADER_LINE',
  HeadTooLarge: 'WS_ERR_HEAD_TOO_LARGE',
  TooManyHeaders: 'WS_ERR_TOO_MANY_HEADERS',
} as const;
export type RejectionCode = (typeof RejectionCode)[keyof typeof RejectionCode];

/** Machine-readable codes of client-side {@link HandshakeError}s. */
export const HandshakeErrorCode = {
  UnexpectedStatus: 'WS_ERR_UNEXPECTED_STATUS',
  MissingUpgrade: 'WS_ERR_MISSING_UPGRADE',
  InvalidUpgrade: 'WS_ERR_INVALID_UPGRADE',
  MissingConnection: 'WS_ERR_MISSING_CONNECTION',
  InvalidConnection: 'WS_ERR_INVALID_CONNECTION',
  MissingAccept: 'WS_ERR_MISSING_ACCEPT',
  InvalidAccept: 'WS_ERR_INVALID_ACCEPT',
  InvalidProtocol: 'WS_ERR_INVALID_PROTOCOL',
  UnofferedProtocol: 'WS_ERR_UNOFFERED_PROTOCOL',
  InvalidExtensions: 'WS_ERR_INVALID_EXTENSIONS',
  UnofferedExtension: 'WS_ERR_UNOFFERED_EXTENSION',
  DuplicateExtension: 'WS_ERR_DUPLICATE_EXTENSION',
  /** `parseResponseHead`: the bytes are not a valid HTTP/1.x response head, or it is too large. */
  InvalidResponse: 'WS_ERR_INVALID_RESPONSE',
} as const;
export type HandshakeErrorCode = (typeof HandshakeErrorCode)[keyof typeof HandshakeErrorCode];

/**
 * The close code an API reports for a connection whose opening handshake failed: no close frame
 * can be exchanged before the handshake completes, so the closure is abnormal (RFC 6455 §7.1.5).
 */
const ABNORMAL_CLOSURE = 1006;

export interface HandshakeRejectionOptions {
  /** Machine-readable code; default `'WS_ERR_REJECTED'`. */
  code?: string;
  /** Extra response headers (e.g. `WWW-Authenticate`, `Retry-After`). Checked against header injection. */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

/**
 * An opening handshake the server refuses, with the HTTP response to send. The `message` is the
 * text body of that response (default: the reason phrase), so keep it free of secrets.
 *
 * Hooks throw it directly: `throw new HandshakeRejection(403, 'Forbidden origin')`.
 */
export class HandshakeRejection extends Error {
  override readonly name = 'HandshakeRejection';
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly code: string;
  readonly closeCode: number = ABNORMAL_CLOSURE;

  constructor(status: number, message?: string, options: HandshakeRejectionOptions = {}) {
    if (!Number.isInteger(status) || status < 300 || status > 599) {
      throw new RangeError(`A handshake rejection needs a 3xx, 4xx or 5xx status, got ${String(status)}`);
    }
    super(
      message ?? (reasonPhrase(status) || String(status)),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    const headers: Record<string, string> = {};
    if (options.headers !== undefined) {
      for (const [name, value] of Object.entries(options.headers)) {
        assertHeaderName(name);
        assertHeaderValue(name, value);
        headers[name] = value;
      }
    }
    this.status = status;
    this.headers = Object.freeze(headers);
    this.code = options.code ?? RejectionCode.Rejected;
  }
}

/** Internal shorthand for the 400 rejections raised on malformed requests. */
export function badRequest(code: RejectionCode, message: string, headers?: Record<string, string>): HandshakeRejection {
  return new HandshakeRejection(400, message, headers === undefined ? { code } : { code, headers });
}

export interface HandshakeErrorOptions {
  /** The response status, set for `WS_ERR_UNEXPECTED_STATUS`. */
  status?: number;
  /** The response headers, set for `WS_ERR_UNEXPECTED_STATUS` (e.g. to follow `Location` or read `WWW-Authenticate`). */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  cause?: unknown;
}

/** The server's answer to a client handshake does not open a WebSocket connection. */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  readonly code: HandshakeErrorCode;
  readonly closeCode: number = ABNORMAL_CLOSURE;
  readonly status: number | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>> | undefined;

  constructor(code: HandshakeErrorCode, message: string, options: HandshakeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.headers = options.headers;
  }
}

const HANDSHAKE_REJECTION = Symbol.for('websock.HandshakeRejection');
const HANDSHAKE_ERROR = Symbol.for('websock.HandshakeError');

brand(HandshakeRejection, HANDSHAKE_REJECTION);
brand(HandshakeError, HANDSHAKE_ERROR);

/**
 * True for a HandshakeRejection made by any copy of @websock/handshake (ESM or CJS build, or
 * another installed copy). Use it rather than `instanceof` where the rejection may come from
 * application code, e.g. an upgrade hook that throws `new HandshakeRejection(403)`.
 */
export function isHandshakeRejection(value: unknown): value is HandshakeRejection {
  return hasBrand(value, HANDSHAKE_REJECTION);
}

/** True for a HandshakeError made by any copy of @websock/handshake (ESM or CJS build). */
export function isHandshakeError(value: unknown): value is HandshakeError {
  return hasBrand(value, HANDSHAKE_ERROR);
}

/**
 * Puts `symbol` on the class's prototype, which every instance inherits, and makes
 * `value instanceof Class` check it instead of the prototype chain: an instance made by
 * another copy of the package has another prototype but the same brand. `instanceof` a
 * subclass keeps its ordinary meaning.
 */
function brand(target: abstract new (...args: never[]) => Error, symbol: symbol): void {
  Object.defineProperty(target.prototype, symbol, { value: true });
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(target, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      return this === target ? hasBrand(value, symbol) : ordinary.call(this, value);
    },
  });
}

function hasBrand(value: unknown, symbol: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[symbol] === true;
}
