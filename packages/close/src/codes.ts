// Close status codes, RFC 6455 §7.4 and the IANA "WebSocket Close Code Number" registry.

/** Every close code registered so far, by name. */
export const CloseCode = {
  /** The purpose for which the connection was established has been fulfilled. */
  Normal: 1000,
  /** The endpoint is going away: server shutting down, browser leaving the page. */
  GoingAway: 1001,
  /** The peer violated the protocol. */
  ProtocolError: 1002,
  /** Received a kind of data the endpoint cannot accept (e.g. binary when it only understands text). */
  UnsupportedData: 1003,
  /** No status code was present in the close frame. Reported locally; never sent. */
  NoStatus: 1005,
  /** The connection closed without a close frame. Reported locally; never sent. */
  Abnormal: 1006,
  /** Message data inconsistent with its type, e.g. a text message that is not valid UTF-8. */
  InvalidPayload: 1007,
  /** A message violates the endpoint's policy (generic code when no better one fits). */
  PolicyViolation: 1008,
  /** A message is too big to process. */
  MessageTooBig: 1009,
  /** Client only: the server did not negotiate an extension the client requires. */
  MandatoryExtension: 1010,
  /** The server hit an unexpected condition. */
  InternalError: 1011,
  /** The service is restarting. */
  ServiceRestart: 1012,
  /** Temporary overload: try again later. */
  TryAgainLater: 1013,
  /** A gateway or proxy got an invalid response from upstream. */
  BadGateway: 1014,
  /** The TLS handshake failed. Reported locally; never sent. */
  TlsHandshake: 1015,
} as const;

export type CloseCodeName = keyof typeof CloseCode;

/** Code ranges of RFC 6455 §7.4.2 outside the ones defined by the RFC itself. */
export const CloseCodeRange = {
  /** 3000-3999: registered with IANA by libraries, frameworks and applications. */
  RegisteredMin: 3000,
  RegisteredMax: 3999,
  /** 4000-4999: private use, by agreement between the endpoints. */
  PrivateMin: 4000,
  PrivateMax: 4999,
} as const;

/** Largest close-frame payload: a control frame carries at most 125 bytes. */
export const MAX_CLOSE_PAYLOAD_LENGTH = 125;
/** Largest close reason in UTF-8 bytes (125 minus the 2-byte code). */
export const MAX_CLOSE_REASON_LENGTH = 123;

/**
 * True for the codes that are meaningful in a received close frame: 1000-1003,
 * 1007-1014 and 3000-4999. Anything else in a close frame (0-999, 1004, the
 * local-only 1005/1006/1015, the unassigned 1016-2999, 5000 and above) is a
 * protocol error: fail the connection with 1002.
 */
export function isValidReceivedCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

/**
 * True for the codes an application may put in a close frame it sends. This is the
 * same set as the receiving side accepts, on purpose: a server needs 1001 (going
 * away), 1008 (policy), 1009 (too big), 1011 (internal error), 1012/1013 (restart,
 * try later) as much as 1000, and the protocol core must be able to echo any code
 * it accepted. (The browser `WebSocket.close()` is stricter, 1000 and 3000-4999
 * only, because a page must not impersonate the browser's own failures; `ws`
 * allows the wider set too.) 1005, 1006 and 1015 are reported locally and never
 * go on the wire; 1004 and 1016-2999 are reserved; 0-999 and 5000+ are undefined.
 */
export function isValidSendCloseCode(code: number): boolean {
  return isValidReceivedCloseCode(code);
}

/** True for 1005, 1006 and 1015: codes that describe a closure to the application but are never sent. */
export function isLocalOnlyCloseCode(code: number): boolean {
  return code === CloseCode.NoStatus || code === CloseCode.Abnormal || code === CloseCode.TlsHandshake;
}

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1004: 'reserved',
  1005: 'no status received',
  1006: 'abnormal closure',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'mandatory extension missing',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
  1014: 'bad gateway',
  1015: 'TLS handshake failure',
};

/** A short human-readable description of a close code, for logs. */
export function describeCloseCode(code: number): string {
  const known = DESCRIPTIONS[code];
  if (known !== undefined) return known;
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) return 'not a close code';
  if (code < 1000) return 'unused (invalid)';
  if (code < CloseCodeRange.RegisteredMin) return 'reserved for future use (invalid)';
  if (code <= CloseCodeRange.RegisteredMax) return 'registered (library, framework or application)';
  if (code <= CloseCodeRange.PrivateMax) return 'private use';
  return 'undefined (invalid)';
}
