import { constants } from 'node:zlib';
import { MessageDeflater, MessageInflater } from './deflate-codec.js';
import {
  acceptDeflateResponse,
  type DeflateOffer,
  describeNegotiated,
  formatOffers,
  type NegotiatedDeflate,
} from './deflate-negotiation.js';
import type { PeerExtension } from './peer.js';

/** RSV1 in the 3-bit RSV field the frame codec uses (RSV1 = 4, RSV2 = 2, RSV3 = 1). */
export const RSV1 = 4;

export interface DeflateStats {
  messagesSent: number;
  bytesSent: number;
  compressedBytesSent: number;
  compressedReceived: number;
  compressedBytesReceived: number;
  inflatedBytesReceived: number;
  /** Longest back-reference the server used. */
  maxServerDistance: number;
  /** Server messages that referred to earlier ones (context takeover in use). */
  serverWindowReferences: number;
  /** Server messages ending with a BFINAL block (§7.2.3.4). */
  finalBlockMessages: number;
}

/**
 * permessage-deflate for the Peer (one instance per connection): offers, checks the
 * answer (`accept` throws when it is not acceptable, which fails the opening handshake),
 * compresses every message it sends (RSV1 on the first frame) and decompresses, with
 * the checks of MessageInflater, every message the server sends with RSV1.
 */
export class DeflatePeerExtension implements PeerExtension {
  readonly offer: string;
  negotiated: NegotiatedDeflate | null = null;
  readonly stats: DeflateStats = {
    messagesSent: 0,
    bytesSent: 0,
    compressedBytesSent: 0,
    compressedReceived: 0,
    compressedBytesReceived: 0,
    inflatedBytesReceived: 0,
    maxServerDistance: 0,
    serverWindowReferences: 0,
    finalBlockMessages: 0,
  };
  private deflater: MessageDeflater | null = null;
  private inflater: MessageInflater | null = null;

  constructor(
    readonly offers: readonly DeflateOffer[],
    private readonly options: { level?: number; maxMessage?: number } = {},
  ) {
    if (offers.length === 0) throw new RangeError('at least one permessage-deflate offer is needed');
    this.offer = formatOffers(offers);
  }

  accept(responseHeader: string | undefined): number {
    const n = acceptDeflateResponse(this.offers, responseHeader);
    this.negotiated = n;
    this.deflater = new MessageDeflater(
      { noContextTakeover: n.clientNoContextTakeover, windowBits: n.clientWindowBits },
      this.options.level ?? constants.Z_DEFAULT_COMPRESSION,
    );
    this.inflater = new MessageInflater(
      { noContextTakeover: n.serverNoContextTakeover, windowBits: n.serverWindowBits },
      this.options.maxMessage,
    );
    return RSV1;
  }

  async encodeMessage(payload: Uint8Array): Promise<{ payload: Uint8Array; rsv: number }> {
    if (!this.deflater) throw new Error('permessage-deflate was not negotiated');
    const compressed = await this.deflater.compress(payload);
    this.stats.messagesSent++;
    this.stats.bytesSent += payload.length;
    this.stats.compressedBytesSent += compressed.length;
    return { payload: compressed, rsv: RSV1 };
  }

  decodeMessage(payload: Uint8Array, rsv: number): Uint8Array {
    if (!this.inflater) throw new Error('permessage-deflate was not negotiated');
    if (rsv !== RSV1) throw new Error(`RSV bits ${rsv} on a message; permessage-deflate only defines RSV1`);
    const { data, inspection } = this.inflater.decompress(payload);
    this.stats.compressedReceived++;
    this.stats.compressedBytesReceived += payload.length;
    this.stats.inflatedBytesReceived += data.length;
    if (inspection.maxDistance > this.stats.maxServerDistance) this.stats.maxServerDistance = inspection.maxDistance;
    if (inspection.windowReferences > 0) this.stats.serverWindowReferences++;
    if (inspection.finalBlock) this.stats.finalBlockMessages++;
    return data;
  }

  describe(): string {
    return this.negotiated ? describeNegotiated(this.negotiated) : `offered ${this.offer}, nothing agreed`;
  }

  /** `messagesReceived`: all data messages the server sent, compressed (RSV1) or not. */
  summary(messagesReceived: number): string {
    const s = this.stats;
    const ratio = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
    return (
      `sent ${s.messagesSent} messages, ${s.bytesSent} B compressed to ${s.compressedBytesSent} B (${ratio(s.compressedBytesSent, s.bytesSent)}); ` +
      `received ${s.compressedReceived} compressed (${s.compressedBytesReceived} B → ${s.inflatedBytesReceived} B, ` +
      `${ratio(s.compressedBytesReceived, s.inflatedBytesReceived)}) and ${messagesReceived - s.compressedReceived} uncompressed; ` +
      `longest server back-reference ${s.maxServerDistance} B, ${s.serverWindowReferences} messages used earlier ones` +
      (s.finalBlockMessages ? `, ${s.finalBlockMessages} ended with BFINAL` : '')
    );
  }
}
