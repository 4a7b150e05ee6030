import { describe, expect, it } from 'vitest';
import {
  buildAcceptResponse,
  type ClientHandshake,
  computeAcceptKey,
  createClientHandshake,
  HandshakeError,
  isValidKey,
  negotiateExtensions,
  parseRequestHead,
  parseResponseHead,
  selectProtocol,
  validateServerResponse,
  validateUpgradeRequest,
} from '../src/index.js';

describe('createClientHandshake (RFC 6455 §4.1)', () => {
  it('builds the request head with a fresh key', () => {
    const hs = createClientHandshake({
      host: 'server.example.com',
      path: '/chat',
      protocols: ['chat', 'superchat'],
      extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }],
      origin: 'http://example.com',
      headers: { Authorization: 'Bearer t' },
    });
    expect(isValidKey(hs.key)).toBe(true);
    expect(hs.requestHead()).toBe(
      'GET /chat HTTP/1.1\r\n' +
        'Host: server.example.com\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${hs.key}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: chat, superchat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' +
        'Origin: http://example.com\r\n' +
        'Authorization: Bearer t\r\n' +
        '\r\n',
    );
    expect(hs.protocols).toEqual(['chat', 'superchat']);
    expect(hs.extensions).toEqual([{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }]);
    expect(createClientHandshake({ host: 'a', path: '/' }).key).not.toBe(
      createClientHandshake({ host: 'a', path: '/' }).key,
    );
  });

  it('writes the minimal request and accepts an extensions string', () => {
    const hs = createClientHandshake({ host: '[::1]:9001', path: '/?a=1', extensions: 'x; y="1"' });
    expect(hs.headers).toEqual({
      Host: '[::1]:9001',
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': hs.key,
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Extensions': 'x; y=1',
    });
    expect(hs.requestHead('GET').startsWith('GET /?a=1 HTTP/1.1\r\n')).toBe(true);
  });

  it('refuses invalid options with TypeError', () => {
    const attempts: Array<() => unknown> = [
      () => createClientHandshake({ host: '', path: '/' }),
      () => createClientHandshake({ host: 'a b', path: '/' }),
      () => createClientHandshake({ host: 'a\r\nX: y', path: '/' }),
      () => createClientHandshake({ host: 'a', path: 'chat' }),
      () => createClientHandshake({ host: 'a', path: '/a b' }),
      () => createClientHandshake({ host: 'a', path: '/\r\n' }),
      () => createClientHandshake({ host: 'a', path: '/', protocols: ['a b'] }),
      () => createClientHandshake({ host: 'a', path: '/', protocols: ['a', 'a'] }),
      () => createClientHandshake({ host: 'a', path: '/', protocols: [''] }),
      () => createClientHandshake({ host: 'a', path: '/', extensions: 'x;' }),
      () => createClientHandshake({ host: 'a', path: '/', extensions: [{ name: 'x y', params: [] }] }),
      () => createClientHandshake({ host: 'a', path: '/', origin: 'http://a\r\nX: y' }),
      () => createClientHandshake({ host: 'a', path: '/', headers: { 'X-A': 'v\nw' } }),
      () => createClientHandshake({ host: 'a', path: '/', headers: { 'Sec-WebSocket-Key': 'x' } }),
      () => createClientHandshake({ host: 'a', path: '/', headers: { host: 'b' } }),
      () => createClientHandshake({ host: 'a', path: '/', origin: 'o', headers: { Origin: 'b' } }),
      () => createClientHandshake({ host: 'a', path: '/' }).requestHead('GE T'),
    ];
    for (const attempt of attempts) expect(attempt).toThrow(TypeError);
    expect(createClientHandshake({ host: 'a', path: '/', headers: { Origin: 'b' } }).headers.Origin).toBe('b');
  });
});

function goodResponse(hs: ClientHandshake, extra: Record<string, string | string[] | undefined> = {}) {
  return {
    status: 101,
    headers: {
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-accept': computeAcceptKey(hs.key),
      ...extra,
    },
  };
}

function failure(fn: () => unknown): HandshakeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    return error as HandshakeError;
  }
  throw new Error('did not throw');
}

describe('validateServerResponse', () => {
  const hs = createClientHandshake({
    host: 'a',
    path: '/',
    protocols: ['chat', 'superchat'],
    extensions: 'permessage-deflate; client_max_window_bits, x-other',
  });
  const bare = createClientHandshake({ host: 'a', path: '/' });

  it('accepts a proper 101 and reports protocol and extensions', () => {
    expect(validateServerResponse(goodResponse(hs), hs)).toEqual({ protocol: undefined, extensions: [] });
    expect(
      validateServerResponse(
        goodResponse(hs, {
          upgrade: 'WebSocket',
          connection: 'keep-alive, upgrade',
          'sec-websocket-protocol': 'superchat',
          'sec-websocket-extensions': 'permessage-deflate; server_max_window_bits=10',
        }),
        hs,
      ),
    ).toEqual({
      protocol: 'superchat',
      extensions: [{ name: 'permessage-deflate', params: [['server_max_window_bits', '10']] }],
    });
    expect(validateServerResponse(goodResponse(hs), { key: hs.key })).toEqual({ protocol: undefined, extensions: [] });
  });

  const failures: Array<[string, () => unknown]> = [
    ['WS_ERR_UNEXPECTED_STATUS', () => validateServerResponse({ status: 200, headers: {} }, hs)],
    ['WS_ERR_MISSING_UPGRADE', () => validateServerResponse(goodResponse(hs, { upgrade: undefined }), hs)],
    ['WS_ERR_INVALID_UPGRADE', () => validateServerResponse(goodResponse(hs, { upgrade: 'h2c' }), hs)],
    ['WS_ERR_INVALID_UPGRADE', () => validateServerResponse(goodResponse(hs, { upgrade: 'websocket, h2c' }), hs)],
    ['WS_ERR_MISSING_CONNECTION', () => validateServerResponse(goodResponse(hs, { connection: undefined }), hs)],
    ['WS_ERR_INVALID_CONNECTION', () => validateServerResponse(goodResponse(hs, { connection: 'close' }), hs)],
    [
      'WS_ERR_MISSING_ACCEPT',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-accept': undefined }), hs),
    ],
    [
      'WS_ERR_INVALID_ACCEPT',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-accept': computeAcceptKey(bare.key) }), hs),
    ],
    [
      'WS_ERR_INVALID_ACCEPT',
      () =>
        validateServerResponse(
          goodResponse(hs, { 'sec-websocket-accept': [computeAcceptKey(hs.key), computeAcceptKey(hs.key)] }),
          hs,
        ),
    ],
    [
      'WS_ERR_INVALID_PROTOCOL',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-protocol': 'chat, superchat' }), hs),
    ],
    ['WS_ERR_INVALID_PROTOCOL', () => validateServerResponse(goodResponse(hs, { 'sec-websocket-protocol': '' }), hs)],
    [
      'WS_ERR_INVALID_PROTOCOL',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-protocol': 'a b' }), hs),
    ],
    [
      'WS_ERR_INVALID_PROTOCOL',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-protocol': ['chat', 'chat'] }), hs),
    ],
    [
      'WS_ERR_UNOFFERED_PROTOCOL',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-protocol': 'mqtt' }), hs),
    ],
    [
      'WS_ERR_UNOFFERED_PROTOCOL',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-protocol': 'Chat' }), hs),
    ],
    [
      'WS_ERR_UNOFFERED_PROTOCOL',
      () => validateServerResponse(goodResponse(bare, { 'sec-websocket-protocol': 'chat' }), bare),
    ],
    [
      'WS_ERR_INVALID_EXTENSIONS',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-extensions': 'permessage-deflate;' }), hs),
    ],
    [
      'WS_ERR_UNOFFERED_EXTENSION',
      () => validateServerResponse(goodResponse(hs, { 'sec-websocket-extensions': 'x-unknown' }), hs),
    ],
    [
      'WS_ERR_UNOFFERED_EXTENSION',
      () => validateServerResponse(goodResponse(bare, { 'sec-websocket-extensions': 'x-other' }), bare),
    ],
    [
      'WS_ERR_DUPLICATE_EXTENSION',
      () =>
        validateServerResponse(
          goodResponse(hs, { 'sec-websocket-extensions': ['permessage-deflate', 'permessage-deflate'] }),
          hs,
        ),
    ],
  ];
  for (const [code, fn] of failures) {
    it(`fails with ${code}`, () => {
      const error = failure(fn);
      expect(error.code).toBe(code);
      expect(error.closeCode).toBe(1006);
      expect(error.name).toBe('HandshakeError');
    });
  }

  it('carries status and headers of an unexpected answer (redirects, auth)', () => {
    const error = failure(() => validateServerResponse({ status: 302, headers: { location: '/b' } }, hs));
    expect(error.status).toBe(302);
    expect(error.headers).toEqual({ location: '/b' });
  });
});

describe('both sides together', () => {
  it('raw: client head → server parse/validate → 101 → client parse/validate', () => {
    const hs = createClientHandshake({
      host: 'localhost:9001',
      path: '/chat',
      protocols: ['v1', 'v2'],
      extensions: [
        { name: 'x-a', params: [['p', '1']] },
        { name: 'x-b', params: [] },
      ],
    });
    const head = parseRequestHead(new TextEncoder().encode(`${hs.requestHead()}\x81\x80`));
    expect(head?.headLength).toBe(hs.requestHead().length);
    const info = validateUpgradeRequest(head!);
    const protocol = selectProtocol(info.protocols, ['v2']);
    const extensions = negotiateExtensions(info.extensions, [{ name: 'x-b', negotiate: (offers) => offers[0]! }]);
    const response = buildAcceptResponse({ key: info.key, protocol, offeredProtocols: info.protocols, extensions });
    const parsed = parseResponseHead(new TextEncoder().encode(response));
    expect(parsed).toMatchObject({ status: 101, statusText: 'Switching Protocols', headLength: response.length });
    expect(validateServerResponse(parsed!, hs)).toEqual({ protocol: 'v2', extensions: [{ name: 'x-b', params: [] }] });
  });
});
