import type { Duplex } from 'node:stream';
import { buildRejectionResponse, type HandshakeRejection } from '@websock/handshake';

/** How long a refused handshake's socket may linger while the client reads the response. */
const REJECTION_LINGER = 1_000;

/** Answers a refused handshake with its HTTP response, then lets the socket go. */
export function reject(socket: Duplex, rejection: HandshakeRejection): void {
  if (socket.destroyed) return;
  socket.on('error', noop);
  socket.end(buildRejectionResponse(rejection));
  setTimeout(() => socket.destroy(), REJECTION_LINGER).unref();
}

function noop(): void {}
