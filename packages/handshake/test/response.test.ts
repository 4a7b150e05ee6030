import { describe, expect, it } from 'vitest';
import {
  assertAcceptHeader,
  buildAcceptResponse,
  buildRejectionResponse,
  HandshakeRejection,
  reasonPhrase,
} from '../src/index.js';
import { SAMPLE_ACCEPT, SAMPLE_KEY } from './corpus.js';

describe('buildAcceptResponse', () => {
  it('writes the RFC 6455 §1.3 response byte for byte', () => {
    expect(buildAcceptResponse({ key: SAMPLE_KEY, protocol: 'chat' })).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n` +
        'Sec-WebSocket-Protocol: chat\r\n' +
        '\r\n',
    );
  });

  it('writes the minimal response', () => {
    expect(buildAcceptResponse({ key: SAMPLE_KEY })).toBe(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n\r\n`,
    );
    expect(buildAcceptResponse({ key: SAMPLE_KEY, protocol: undefined, extensions: [], headers: {} })).toBe(
      buildAcceptResponse({ key: SAMPLE_KEY }),
    );
    expect(buildAcceptResponse({ key: SAMPLE_KEY, extensions: '' })).toBe(buildAcceptResponse({ key: SAMPLE_KEY }));
  });

  it('adds extensions (string or elements) and extra headers, repeated for arrays', () => {
    const text = buildAcceptResponse({
      key: SAMPLE_KEY,
      extensions: [{ name: 'permessage-deflate', params: [['server_no_context_takeover', true]] }],
      headers: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Server': 'websock' },
    });
    expect(text).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n` +
        'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n' +
        'Set-Cookie: a=1\r\n' +
        'Set-Cookie: b=2\r\n' +
        'X-Server: websock\r\n' +
        '\r\n',
    );
    expect(buildAcceptResponse({ key: SAMPLE_KEY, extensions: 'x; y=1' })).toContain(
      '\r\nSec-WebSocket-Extensions: x; y=1\r\n',
    );
  });

  it('refuses a protocol the client did not offer when the offer is given', () => {
    expect(() => buildAcceptResponse({ key: SAMPLE_KEY, protocol: 'mqtt', offeredProtocols: ['chat'] })).toThrow(
      TypeError,
    );
    expect(() => buildAcceptResponse({ key: SAMPLE_KEY, protocol: 'chat', offeredProtocols: [] })).toThrow(TypeError);
    expect(buildAcceptResponse({ key: SAMPLE_KEY, protocol: 'chat', offeredProtocols: ['x', 'chat'] })).toContain(
      '\r\nSec-WebSocket-Protocol: chat\r\n',
    );
  });

  it('guards against header injection and invalid names', () => {
    const attempts = [
      () => buildAcceptResponse({ key: SAMPLE_KEY, protocol: 'chat\r\nX-Evil: 1' }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, protocol: '' }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, extensions: 'x\r\nX-Evil: 1' }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, extensions: 'x\n' }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X-A': 'v\r\n\r\nHTTP/1.1 200 OK' } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X-A': 'v\rX' } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X-A': 'v\nX' } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X-A': 'nul\0' } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X-A': 'café' } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X-A': ['ok', 'bad\n'] } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X A': 'v' } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X-A:': 'v' } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X\r\nA': 'v' } }),
      () => buildAcceptResponse({ key: SAMPLE_KEY, headers: { '': 'v' } }),
    ];
    for (const attempt of attempts) expect(attempt).toThrow(TypeError);
  });

  it('refuses extra headers that would contradict the handshake', () => {
    for (const name of [
      'Upgrade',
      'connection',
      'Sec-WebSocket-Accept',
      'SEC-WEBSOCKET-PROTOCOL',
      'Sec-WebSocket-Extensions',
      'Content-Length',
    ]) {
      expect(() => buildAcceptResponse({ key: SAMPLE_KEY, headers: { [name]: 'x' } }), name).toThrow(TypeError);
    }
  });

  it('assertAcceptHeader checks one header as buildAcceptResponse would, before the response is built', () => {
    expect(() => assertAcceptHeader('Set-Cookie', ['a=1; Path=/', 'b=2'])).not.toThrow();
    for (const [name, value] of [
      ['Upgrade', 'x'],
      ['sec-websocket-accept', 'x'],
      ['X A', 'v'],
      ['X-A', 'v\r\nX-Evil: 1'],
      ['X-A', 'café'],
    ] as const) {
      expect(() => assertAcceptHeader(name, value), name).toThrow(TypeError);
    }
    expect(() => assertAcceptHeader('X-A', ['ok', 'bad\n'])).toThrow(TypeError);
  });

  it('allows HTAB and visible ASCII in values', () => {
    expect(buildAcceptResponse({ key: SAMPLE_KEY, headers: { 'X-A': 'a\tb ~!' } })).toContain('\r\nX-A: a\tb ~!\r\n');
  });
});

describe('buildRejectionResponse', () => {
  it('writes a complete 400 with a default body', () => {
    expect(buildRejectionResponse(400)).toBe(
      'HTTP/1.1 400 Bad Request\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 11\r\n' +
        '\r\n' +
        'Bad Request',
    );
  });

  it('counts Content-Length in UTF-8 bytes and writes extra headers', () => {
    const body = 'Zugriff verweigert – 禁止 🚫';
    const text = buildRejectionResponse(403, { body, headers: { 'WWW-Authenticate': 'Bearer' } });
    expect(text).toBe(
      'HTTP/1.1 403 Forbidden\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 34\r\n' +
        'WWW-Authenticate: Bearer\r\n' +
        '\r\n' +
        body,
    );
    // 34 is the body's length in UTF-8 bytes, not in UTF-16 code units.
    expect(body.length).toBe(26);
    expect(new TextEncoder().encode(body).length).toBe(34);
  });

  it('writes the 426 of a version mismatch with Upgrade listed in Connection', () => {
    const rejection = new HandshakeRejection(426, 'Unsupported version', {
      headers: { 'Sec-WebSocket-Version': '13', Upgrade: 'websocket' },
    });
    expect(buildRejectionResponse(rejection)).toBe(
      'HTTP/1.1 426 Upgrade Required\r\n' +
        'Connection: Upgrade, close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 19\r\n' +
        'Sec-WebSocket-Version: 13\r\n' +
        'Upgrade: websocket\r\n' +
        '\r\n' +
        'Unsupported version',
    );
  });

  it('takes a rejection and lets options add headers and replace the body', () => {
    const rejection = new HandshakeRejection(401, undefined, { headers: { 'WWW-Authenticate': 'Basic' } });
    expect(rejection.message).toBe('Unauthorized');
    expect(buildRejectionResponse(rejection, { body: '', headers: { 'Retry-After': '5' } })).toBe(
      'HTTP/1.1 401 Unauthorized\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 0\r\n' +
        'WWW-Authenticate: Basic\r\n' +
        'Retry-After: 5\r\n' +
        '\r\n',
    );
  });

  it('lets a Content-Type header replace the default', () => {
    const text = buildRejectionResponse(429, { body: '{}', headers: { 'content-type': 'application/json' } });
    expect(text).toBe(
      'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 2\r\ncontent-type: application/json\r\n\r\n{}',
    );
  });

  it('uses an empty reason phrase for unregistered statuses', () => {
    expect(buildRejectionResponse(499)).toBe(
      'HTTP/1.1 499 \r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\n499',
    );
    expect(reasonPhrase(431)).toBe('Request Header Fields Too Large');
    expect(reasonPhrase(799)).toBe('');
  });

  it('refuses statuses that are not rejections, and injection', () => {
    for (const status of [101, 200, 299, 600, 400.5, Number.NaN]) {
      expect(() => buildRejectionResponse(status), String(status)).toThrow(RangeError);
    }
    expect(() => buildRejectionResponse(400, { headers: { 'X-A': 'a\r\nb' } })).toThrow(TypeError);
    for (const name of ['Connection', 'content-length', 'Transfer-Encoding']) {
      expect(() => buildRejectionResponse(400, { headers: { [name]: 'x' } })).toThrow(TypeError);
    }
  });
});

describe('HandshakeRejection', () => {
  it('is what hooks throw: status, headers, code, message as body', () => {
    const rejection = new HandshakeRejection(403, 'Origin not allowed');
    expect(rejection).toBeInstanceOf(Error);
    expect(rejection).toMatchObject({
      name: 'HandshakeRejection',
      status: 403,
      code: 'WS_ERR_REJECTED',
      headers: {},
      message: 'Origin not allowed',
      closeCode: 1006,
    });
    const custom = new HandshakeRejection(429, 'Slow down', { code: 'RATE_LIMITED', headers: { 'Retry-After': '10' } });
    expect(custom.code).toBe('RATE_LIMITED');
    expect(custom.headers).toEqual({ 'Retry-After': '10' });
    expect(Object.isFrozen(custom.headers)).toBe(true);
    const cause = new Error('db down');
    expect(new HandshakeRejection(503, 'x', { cause }).cause).toBe(cause);
  });

  it('checks its status and headers up front', () => {
    expect(() => new HandshakeRejection(200)).toThrow(RangeError);
    expect(() => new HandshakeRejection(1000)).toThrow(RangeError);
    expect(() => new HandshakeRejection(403, 'x', { headers: { 'X-A': 'a\nb' } })).toThrow(TypeError);
    expect(() => new HandshakeRejection(403, 'x', { headers: { 'X A': 'b' } })).toThrow(TypeError);
    expect(new HandshakeRejection(302, undefined, { headers: { Location: '/elsewhere' } }).message).toBe('Found');
  });
});
