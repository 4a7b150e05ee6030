import { once } from 'node:events';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';

// A scripted HTTP/2 peer on node:http2 itself: it opens extended CONNECT streams and reads
// the server's (unmasked) frames, so the server is checked against something it does not share code with.

export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Opens a session and waits for the server's SETTINGS (the first frame a server sends). */
export async function openSession(port: number, ca: string): Promise<ClientHttp2Session> {
  const session = connect(`https://127.0.0.1:${port}`, { ca });
  session.on('error', () => {});
  await once(session, 'remoteSettings');
  return session;
}

export function connectHeaders(port: number, extra: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  return {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'https',
    ':path': '/',
    ':authority': `127.0.0.1:${port}`,
    'sec-websocket-version': '13',
    ...extra,
  };
}

export interface RawStream {
  stream: ClientHttp2Stream;
  headers: IncomingHttpHeaders;
  /** Resolves with the next complete frame from the server. */
  nextFrame(): Promise<ServerFrame>;
  /** Everything that came after the frames were read as text (a rejection's body). */
  body(): Promise<string>;
  /** The server ended its side (END_STREAM); listened for from the start, so never missed. */
  ended: Promise<unknown>;
  /** The stream closed (read `stream.rstCode` then); listened for from the start. */
  closed: Promise<unknown>;
}

/** Sends a request on `session` and resolves with its response headers and a frame reader. */
export async function request(session: ClientHttp2Session, headers: OutgoingHttpHeaders): Promise<RawStream> {
  const stream = session.request(headers, { endStream: false });
  stream.on('error', () => {});
  const endedEvent = once(stream, 'end');
  const closedEvent = once(stream, 'close');
  endedEvent.catch(() => {});
  closedEvent.catch(() => {});
  const [response] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let ended = false;
  stream.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  });
  stream.on('end', () => {
    ended = true;
    wake?.();
  });
  const waitMore = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  return {
    stream,
    headers: response,
    ended: endedEvent,
    closed: closedEvent,
    async nextFrame() {
      for (;;) {
        const frame = parseFrame(buffer);
        if (frame !== null) {
          buffer = buffer.subarray(frame.size);
          return frame.frame;
        }
        if (ended) throw new Error('the stream ended before a complete frame');
        await waitMore();
      }
    },
    async body() {
      while (!ended) await waitMore();
      return buffer.toString();
    },
  };
}

function parseFrame(bytes: Buffer): { frame: ServerFrame; size: number } | null {
  if (bytes.length < 2) return null;
  const first = bytes[0] ?? 0;
  let length = (bytes[1] ?? 0) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return null;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return null;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  if (bytes.length < offset + length) return null;
  return {
    frame: { fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload: bytes.subarray(offset, offset + length) },
    size: offset + length,
  };
}

/** A close frame's payload: code then UTF-8 reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}
