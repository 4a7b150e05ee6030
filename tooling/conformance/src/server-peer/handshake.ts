import { createHash } from 'node:crypto';

/**
 * The server peer's side of the opening handshake (RFC 6455 §4.2): it reads the
 * client's request head, lists everything in it a server should refuse or a client
 * must not send, and answers 101 with its own Sec-WebSocket-Accept.
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

export interface ClientRequest {
  method: string;
  /** Request target as sent, e.g. `/runCase?case=3&agent=websock`. */
  target: string;
  version: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** What the client got wrong (empty for a valid request). */
  problems: string[];
}

/** Position just past the CRLFCRLF that ends the head, or -1. */
export function headEnd(buf: Uint8Array): number {
  for (let i = 3; i < buf.length; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

function tokens(value: string | undefined): string[] {
  return (value ?? '')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** Parses and checks a client's opening handshake request (the head, CRLFCRLF included). */
export function parseClientRequest(head: string): ClientRequest {
  const lines = head.split('\r\n');
  const requestLine = lines[0] ?? '';
  const m = /^(\S+) (\S+) (HTTP\/\d\.\d)$/.exec(requestLine);
  const problems: string[] = [];
  if (!m) problems.push(`malformed request line ${JSON.stringify(requestLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`malformed header line ${JSON.stringify(line)}`);
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const request: ClientRequest = {
    method: m?.[1] ?? '',
    target: m?.[2] ?? '',
    version: m?.[3] ?? '',
    headers,
    problems,
  };
  if (m && request.method !== 'GET') problems.push(`method ${request.method}, expected GET`);
  if (m && request.version !== 'HTTP/1.1') problems.push(`${request.version}, expected HTTP/1.1`);
  if (!headers.host) problems.push('no Host header');
  if (!tokens(headers.upgrade).includes('websocket')) problems.push(`Upgrade: ${headers.upgrade ?? '(none)'}`);
  if (!tokens(headers.connection).includes('upgrade')) problems.push(`Connection: ${headers.connection ?? '(none)'}`);
  if (headers['sec-websocket-version'] !== '13') {
    problems.push(`Sec-WebSocket-Version: ${headers['sec-websocket-version'] ?? '(none)'}, expected 13`);
  }
  const key = headers['sec-websocket-key'];
  if (key === undefined) problems.push('no Sec-WebSocket-Key');
  else if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) {
    problems.push(`Sec-WebSocket-Key ${JSON.stringify(key)} is not 16 bytes in base64`);
  }
  return request;
}

/** The 101 answer. Extensions and subprotocols are never accepted: none is negotiated in these cases. */
export function switchingProtocols(key: string): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`
  );
}

export function badRequest(reason: string): string {
  const body = `${reason}\n`;
  return (
    'HTTP/1.1 400 Bad Request\r\n' +
    'Connection: close\r\n' +
    'Content-Type: text/plain\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
