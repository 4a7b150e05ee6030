import { createHash, randomBytes } from 'node:crypto';
import { authorityOf } from './channel.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKeyFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

export interface HandshakeRequest {
  key: string;
  head: string;
}

export function buildUpgradeRequest(options: {
  host: string;
  port: number;
  path: string;
  /** Raw `Sec-WebSocket-Extensions` offer (permessage-deflate later). */
  extensions?: string | undefined;
  headers?: Record<string, string> | undefined;
}): HandshakeRequest {
  const key = randomBytes(16).toString('base64');
  const lines = [
    `GET ${options.path} HTTP/1.1`,
    `Host: ${authorityOf(options.host, options.port)}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (options.extensions) lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
  return { key, head: `${lines.join('\r\n')}\r\n\r\n` };
}

export interface HandshakeResponse {
  status: number;
  statusLine: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

/** Position just past the CRLFCRLF ending the head, or -1. */
export function findHeadEnd(buf: Uint8Array): number {
  for (let i = 3; i < buf.length; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

export function parseResponseHead(text: string): HandshakeResponse {
  const lines = text.split('\r\n').filter((l) => l.length > 0);
  const statusLine = lines[0] ?? '';
  const m = /^HTTP\/1\.1 (\d{3})(?: .*)?$/.exec(statusLine);
  if (!m) throw new Error(`malformed status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(m[1]), statusLine, headers };
}

/** Throws with a precise message when the server's answer is not a valid 101 for `key`. */
export function checkUpgradeResponse(res: HandshakeResponse, key: string): void {
  if (res.status !== 101) throw new Error(`expected 101 Switching Protocols, got ${res.statusLine}`);
  if ((res.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    throw new Error(`bad Upgrade header: ${JSON.stringify(res.headers.upgrade)}`);
  }
  const connection = (res.headers.connection ?? '').toLowerCase().split(/\s*,\s*/);
  if (!connection.includes('upgrade'))
    throw new Error(`bad Connection header: ${JSON.stringify(res.headers.connection)}`);
  const expected = acceptKeyFor(key);
  if (res.headers['sec-websocket-accept'] !== expected) {
    throw new Error(
      `bad Sec-WebSocket-Accept: ${JSON.stringify(res.headers['sec-websocket-accept'])}, want ${expected}`,
    );
  }
}
