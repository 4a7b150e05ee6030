/**
 * An operation waiting on a connection could not complete because the connection closed first:
 * a `roundTrip()` whose pong never came, a `sendAsync()` whose message never reached the OS, a
 * stream write. Carries how the connection ended when that is known.
 */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'WS_ERR_CONNECTION_CLOSED_EARLY';
  /** The close code reported for the connection (1006 when it ended without a close frame); 0 while only closing. */
  readonly closeCode: number;
  readonly reason: string;
  readonly wasClean: boolean;

  constructor(
    message: string,
    result: { code: number; reason: string; wasClean: boolean } | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.closeCode = result?.code ?? 0;
    this.reason = result?.reason ?? '';
    this.wasClean = result?.wasClean ?? false;
  }
}
