// The server peer reads a client's frames with the same independent reader as the client
// peer (../frame-reader.ts); every client frame must be masked, which the peer judges.
import { FrameReader, type InFrame } from '../frame-reader.js';

export type ClientFrame = InFrame;

/** A reader of client frames: error messages name the client as the sender. */
export class ClientFrameReader extends FrameReader {
  constructor(options: { maxPayload?: number } = {}) {
    super({ ...options, sender: 'client' });
  }
}
