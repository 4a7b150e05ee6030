import type { Duplex } from 'node:stream';
import {
  buildAcceptResponse,
  type ExtensionOffer,
  type HandshakeRejection,
  type UpgradeRequestInfo,
  validateUpgradeRequest,
} from '@websock/handshake';
import type { Transport } from '@websock/node';
import type { UpgradeRequest } from './options.js';
import { reject } from './reject.js';

/** What a valid opening request offers, whatever HTTP version carried it. */
export interface Offer {
  readonly protocols: readonly string[];
  readonly extensions: readonly ExtensionOffer[];
}

/** The server's answer to a valid request: the subprotocol and the extensions it took. */
export interface Acceptance {
  readonly protocol: string | undefined;
  readonly offeredProtocols: readonly string[];
  readonly extensions: string | undefined;
  /** Headers the `upgrade` hook added to the answer (e.g. `Set-Cookie`). */
  readonly headers?: Readonly<Record<string, string | readonly string[]>> | undefined;
}

/**
 * One opening handshake in progress: an HTTP/1.1 upgrade (101 Switching Protocols) or an
 * HTTP/2 extended CONNECT (200, RFC 8441). The server runs the same admission (limits,
 * the `upgrade` hook, negotiation) on both; only these steps differ.
 */
export interface Opening {
  readonly request: UpgradeRequest;
  /** The byte stream the WebSocket runs on once accepted. */
  readonly transport: Transport;
  /** Bytes that came after the request (frames: never drop them). */
  readonly head: Buffer | undefined;
  /** The peer went away while the request waited (on the `upgrade` hook): answer nothing. */
  readonly gone: boolean;
  /** Checks the request for its HTTP version; throws a `HandshakeRejection`. */
  validate(): Offer;
  /** Sends the acceptance. Throws (a TypeError) before sending anything when the answer is invalid. */
  respond(acceptance: Acceptance): void;
  /** Answers a refused request and lets its transport go. */
  refuse(rejection: HandshakeRejection): void;
}

/** An HTTP/1.1 upgrade on a socket (RFC 6455 §4). */
export class Http1Opening implements Opening {
  readonly transport: Transport;
  private info: UpgradeRequestInfo | undefined;

  constructor(
    readonly request: UpgradeRequest,
    private readonly socket: Duplex,
    readonly head: Buffer,
  ) {
    // Whatever carries an upgrade (a net.Socket or a TLSSocket, or a test's Duplex) is used as one.
    this.transport = socket as Transport;
  }

  get gone(): boolean {
    return this.socket.destroyed;
  }

  validate(): Offer {
    this.info = validateUpgradeRequest(this.request);
    return this.info;
  }

  respond(acceptance: Acceptance): void {
    const key = this.info?.key ?? '';
    // The head is ASCII (header values are checked to be), so latin1 writes it as it is, without
    // a UTF-8 pass.
    this.socket.write(buildAcceptResponse({ key, ...acceptance }), 'latin1');
  }

  refuse(rejection: HandshakeRejection): void {
    reject(this.socket, rejection);
  }
}
