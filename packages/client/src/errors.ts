/** The opening handshake did not finish: it timed out, or the server closed the connection. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  readonly code: 'WS_ERR_HANDSHAKE_TIMEOUT' | 'WS_ERR_CONNECTION_CLOSED';
  /** As a close code: the connection never opened, so the closure is abnormal. */
  readonly closeCode = 1006;

  constructor(code: ConnectError['code'], message: string) {
    super(message);
    this.code = code;
  }
}
