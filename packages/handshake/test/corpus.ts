// Shared corpus of opening-handshake requests, as raw HTTP/1.1 text, with the answer each must
// get. Used by the validator tests (through node:http and through parseRequestHead).

export const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

type HeaderLine = [name: string, value: string];

const BASE_HEADERS: HeaderLine[] = [
  ['Host', 'server.example.com'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', SAMPLE_KEY],
  ['Origin', 'http://example.com'],
  ['Sec-WebSocket-Protocol', 'chat, superchat'],
  ['Sec-WebSocket-Version', '13'],
];

export interface RequestSpec {
  method?: string;
  target?: string;
  version?: string;
  /** Replace (or with `null`, drop) base headers by name, case-insensitively. */
  set?: Record<string, string | null>;
  /** Extra lines appended after the base headers. */
  add?: HeaderLine[];
}

export function rawRequest(spec: RequestSpec = {}): string {
  const lines = [`${spec.method ?? 'GET'} ${spec.target ?? '/chat'} HTTP/${spec.version ?? '1.1'}`];
  const set = new Map(Object.entries(spec.set ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, value] of BASE_HEADERS) {
    const override = set.get(name.toLowerCase());
    if (override === null) continue;
    lines.push(`${name}: ${override ?? value}`);
  }
  for (const [name, value] of spec.add ?? []) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface CorpusCase {
  name: string;
  raw: string;
  /** 101 for a valid request, else the rejection status. */
  status: number;
  code?: string;
  headers?: Record<string, string>;
}

const base64Of = (length: number) => btoa(String.fromCharCode(...new Uint8Array(length).fill(7)));

export const CORPUS: CorpusCase[] = [
  // Valid requests, including the ways real clients differ.
  { name: 'RFC 6455 §1.2 sample request', raw: rawRequest(), status: 101 },
  { name: 'Upgrade token in another case', raw: rawRequest({ set: { upgrade: 'WebSocket' } }), status: 101 },
  { name: 'Upgrade list containing websocket', raw: rawRequest({ set: { upgrade: 'h2c, websocket' } }), status: 101 },
  {
    name: 'Connection: keep-alive, Upgrade (Firefox)',
    raw: rawRequest({ set: { connection: 'keep-alive, Upgrade' } }),
    status: 101,
  },
  { name: 'Connection token lower-case', raw: rawRequest({ set: { connection: 'upgrade' } }), status: 101 },
  { name: 'no Origin (non-browser client)', raw: rawRequest({ set: { origin: null } }), status: 101 },
  { name: 'no subprotocols', raw: rawRequest({ set: { 'sec-websocket-protocol': null } }), status: 101 },
  {
    name: 'subprotocols over repeated lines',
    raw: rawRequest({ add: [['Sec-WebSocket-Protocol', 'v2.chat']] }),
    status: 101,
  },
  {
    name: 'permessage-deflate offer',
    raw: rawRequest({ add: [['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits']] }),
    status: 101,
  },
  { name: 'absolute-form target', raw: rawRequest({ target: 'ws://server.example.com/chat' }), status: 101 },
  { name: 'Content-Length: 0', raw: rawRequest({ add: [['Content-Length', '0']] }), status: 101 },
  { name: 'IPv6 host with port', raw: rawRequest({ set: { host: '[::1]:9001' } }), status: 101 },

  // Request line.
  {
    name: 'POST',
    raw: rawRequest({ method: 'POST' }),
    status: 405,
    code: 'WS_ERR_INVALID_METHOD',
    headers: { Allow: 'GET' },
  },
  { name: 'lower-case get', raw: rawRequest({ method: 'get' }), status: 405, code: 'WS_ERR_INVALID_METHOD' },
  { name: 'HTTP/1.0', raw: rawRequest({ version: '1.0' }), status: 400, code: 'WS_ERR_INVALID_HTTP_VERSION' },
  { name: 'asterisk-form target', raw: rawRequest({ target: '*' }), status: 400, code: 'WS_ERR_INVALID_URL' },

  // Host.
  { name: 'missing Host', raw: rawRequest({ set: { host: null } }), status: 400, code: 'WS_ERR_MISSING_HOST' },
  { name: 'empty Host', raw: rawRequest({ set: { host: '' } }), status: 400, code: 'WS_ERR_MISSING_HOST' },
  {
    name: 'duplicated Host',
    raw: rawRequest({ add: [['Host', 'evil.example']] }),
    status: 400,
    code: 'WS_ERR_INVALID_HOST',
  },
  { name: 'Host with a space', raw: rawRequest({ set: { host: 'a b' } }), status: 400, code: 'WS_ERR_INVALID_HOST' },

  // Upgrade and Connection token lists.
  { name: 'missing Upgrade', raw: rawRequest({ set: { upgrade: null } }), status: 400, code: 'WS_ERR_MISSING_UPGRADE' },
  { name: 'Upgrade: h2c', raw: rawRequest({ set: { upgrade: 'h2c' } }), status: 400, code: 'WS_ERR_INVALID_UPGRADE' },
  {
    name: 'Upgrade: websocket2',
    raw: rawRequest({ set: { upgrade: 'websocket2' } }),
    status: 400,
    code: 'WS_ERR_INVALID_UPGRADE',
  },
  {
    name: 'missing Connection',
    raw: rawRequest({ set: { connection: null } }),
    status: 400,
    code: 'WS_ERR_MISSING_CONNECTION',
  },
  {
    name: 'Connection: keep-alive',
    raw: rawRequest({ set: { connection: 'keep-alive' } }),
    status: 400,
    code: 'WS_ERR_INVALID_CONNECTION',
  },
  {
    name: 'Connection: upgraded',
    raw: rawRequest({ set: { connection: 'upgraded' } }),
    status: 400,
    code: 'WS_ERR_INVALID_CONNECTION',
  },

  // Sec-WebSocket-Key.
  {
    name: 'missing key',
    raw: rawRequest({ set: { 'sec-websocket-key': null } }),
    status: 400,
    code: 'WS_ERR_MISSING_KEY',
  },
  {
    name: 'key of 15 bytes',
    raw: rawRequest({ set: { 'sec-websocket-key': base64Of(15) } }),
    status: 400,
    code: 'WS_ERR_INVALID_KEY',
  },
  {
    name: 'key of 17 bytes',
    raw: rawRequest({ set: { 'sec-websocket-key': base64Of(17) } }),
    status: 400,
    code: 'WS_ERR_INVALID_KEY',
  },
  {
    name: 'key with a non-base64 character',
    raw: rawRequest({ set: { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ!=' } }),
    status: 400,
    code: 'WS_ERR_INVALID_KEY',
  },
  {
    name: 'key without padding',
    raw: rawRequest({ set: { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ' } }),
    status: 400,
    code: 'WS_ERR_INVALID_KEY',
  },
  {
    name: 'key in base64url',
    raw: rawRequest({ set: { 'sec-websocket-key': '-_hlIHNhbXBsZSBub25jZQ==' } }),
    status: 400,
    code: 'WS_ERR_INVALID_KEY',
  },
  {
    name: 'key with non-zero padding bits',
    raw: rawRequest({ set: { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZR==' } }),
    status: 400,
    code: 'WS_ERR_INVALID_KEY',
  },
  {
    name: 'duplicated key',
    raw: rawRequest({ add: [['Sec-WebSocket-Key', SAMPLE_KEY]] }),
    status: 400,
    code: 'WS_ERR_INVALID_KEY',
  },

  // Sec-WebSocket-Version.
  {
    name: 'missing version',
    raw: rawRequest({ set: { 'sec-websocket-version': null } }),
    status: 400,
    code: 'WS_ERR_MISSING_VERSION',
  },
  {
    name: 'version 8',
    raw: rawRequest({ set: { 'sec-websocket-version': '8' } }),
    status: 426,
    code: 'WS_ERR_UNSUPPORTED_VERSION',
    headers: { 'Sec-WebSocket-Version': '13', Upgrade: 'websocket' },
  },
  {
    name: 'version 14',
    raw: rawRequest({ set: { 'sec-websocket-version': '14' } }),
    status: 426,
    code: 'WS_ERR_UNSUPPORTED_VERSION',
  },
  {
    name: 'version abc',
    raw: rawRequest({ set: { 'sec-websocket-version': 'abc' } }),
    status: 400,
    code: 'WS_ERR_INVALID_VERSION',
  },
  {
    name: 'version 013',
    raw: rawRequest({ set: { 'sec-websocket-version': '013' } }),
    status: 400,
    code: 'WS_ERR_INVALID_VERSION',
  },
  {
    name: 'duplicated version',
    raw: rawRequest({ add: [['Sec-WebSocket-Version', '13']] }),
    status: 400,
    code: 'WS_ERR_INVALID_VERSION',
  },

  // Subprotocols and extensions.
  {
    name: 'protocol with a space',
    raw: rawRequest({ set: { 'sec-websocket-protocol': 'chat, super chat' } }),
    status: 400,
    code: 'WS_ERR_INVALID_PROTOCOL',
  },
  {
    name: 'protocol with a separator',
    raw: rawRequest({ set: { 'sec-websocket-protocol': 'chat/1' } }),
    status: 400,
    code: 'WS_ERR_INVALID_PROTOCOL',
  },
  {
    name: 'protocol offered twice',
    raw: rawRequest({ set: { 'sec-websocket-protocol': 'chat, chat' } }),
    status: 400,
    code: 'WS_ERR_INVALID_PROTOCOL',
  },
  {
    name: 'extension parameter without a name',
    raw: rawRequest({ add: [['Sec-WebSocket-Extensions', 'permessage-deflate; =15']] }),
    status: 400,
    code: 'WS_ERR_INVALID_EXTENSIONS',
  },
  {
    name: 'extension quoted value that is not a token',
    raw: rawRequest({ add: [['Sec-WebSocket-Extensions', 'foo; bar="a b"']] }),
    status: 400,
    code: 'WS_ERR_INVALID_EXTENSIONS',
  },
  {
    name: 'extension list with a trailing semicolon',
    raw: rawRequest({ add: [['Sec-WebSocket-Extensions', 'permessage-deflate;']] }),
    status: 400,
    code: 'WS_ERR_INVALID_EXTENSIONS',
  },

  // Other single-valued fields and bodies.
  {
    name: 'duplicated Origin',
    raw: rawRequest({ add: [['Origin', 'http://evil.example']] }),
    status: 400,
    code: 'WS_ERR_INVALID_ORIGIN',
  },
  {
    name: 'request with a body length',
    raw: rawRequest({ add: [['Content-Length', '5']] }),
    status: 400,
    code: 'WS_ERR_UNEXPECTED_BODY',
  },
  {
    name: 'chunked request',
    raw: rawRequest({ add: [['Transfer-Encoding', 'chunked']] }),
    status: 400,
    code: 'WS_ERR_UNEXPECTED_BODY',
  },
];
