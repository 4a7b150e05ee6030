import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HandshakeError,
  HandshakeRejection,
  parseRequestHead,
  parseResponseHead,
  type RequestHead,
} from '../src/index.js';
import { CORPUS, rawRequest } from './corpus.js';

const bytes = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

function rejection(fn: () => unknown): HandshakeRejection {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeRejection);
    return error as HandshakeRejection;
  }
  throw new Error('did not throw');
}

describe('parseRequestHead', () => {
  it('parses a request head and stops at its end', () => {
    const raw = rawRequest();
    const head = parseRequestHead(bytes(`${raw}\x81\x85trailing frame bytes`));
    expect(head).toEqual({
      method: 'GET',
      url: '/chat',
      httpVersion: '1.1',
      headers: {
        host: 'server.example.com',
        upgrade: 'websocket',
        connection: 'Upgrade',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        origin: 'http://example.com',
        'sec-websocket-protocol': 'chat, superchat',
        'sec-websocket-version': '13',
      },
      rawHeaders: [
        'Host',
        'server.example.com',
        'Upgrade',
        'websocket',
        'Connection',
        'Upgrade',
        'Sec-WebSocket-Key',
        'dGhlIHNhbXBsZSBub25jZQ==',
        'Origin',
        'http://example.com',
        'Sec-WebSocket-Protocol',
        'chat, superchat',
        'Sec-WebSocket-Version',
        '13',
      ],
      headLength: raw.length,
    } satisfies RequestHead);
  });

  it('returns null at every split point of an incomplete head, then the same result', () => {
    const raw = bytes(rawRequest({ add: [['Sec-WebSocket-Extensions', 'permessage-deflate']] }));
    const full = parseRequestHead(raw);
    expect(full).not.toBeNull();
    for (let cut = 0; cut < raw.length; cut++) expect(parseRequestHead(raw.subarray(0, cut)), `cut ${cut}`).toBeNull();
    expect(parseRequestHead(raw.subarray(0, raw.length))).toEqual(full);
  });

  it('reads from a subarray view at any offset', () => {
    const raw = bytes(rawRequest());
    const backing = new Uint8Array(raw.length + 20).fill(0x41);
    backing.set(raw, 7);
    expect(parseRequestHead(backing.subarray(7))).toEqual(parseRequestHead(raw));
  });

  it('parses the head of every corpus request', () => {
    for (const c of CORPUS) {
      const result = (() => {
        try {
          return parseRequestHead(bytes(c.raw));
        } catch (error) {
          return error;
        }
      })();
      if (result instanceof HandshakeRejection) {
        // Only a repeated Host is refused at this layer.
        expect(c.code, c.name).toBe('WS_ERR_INVALID_HOST');
        continue;
      }
      expect((result as RequestHead | null)?.headLength, c.name).toBe(c.raw.length);
    }
  });

  it('ignores empty lines before the request line (RFC 9112 §2.2)', () => {
    const raw = `\r\n\r\n${rawRequest()}`;
    expect(parseRequestHead(bytes(raw))?.headLength).toBe(raw.length);
    expect(parseRequestHead(bytes('\r\n'))).toBeNull();
  });

  it('merges repeated fields like node:http', () => {
    const head = parseRequestHead(
      bytes(
        'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nCookie: a=1\r\nCookie: b=2\r\nSet-Cookie: s1\r\nSet-Cookie: s2\r\n' +
          'User-Agent: first\r\nUser-Agent: second\r\nEmpty:\r\nSpaced:   v  \t\r\n\r\n',
      ),
    );
    expect(head?.headers).toEqual({
      host: 'h',
      'x-a': '1, 2',
      cookie: 'a=1; b=2',
      'set-cookie': ['s1', 's2'],
      'user-agent': 'first',
      empty: '',
      spaced: 'v',
    });
  });

  it('decodes obs-text as latin1, like node', () => {
    const raw = new Uint8Array([...bytes('GET / HTTP/1.1\r\nX-Name: caf'), 0xe9, ...bytes('\r\n\r\n')]);
    expect(parseRequestHead(raw)?.headers['x-name']).toBe('café');
  });

  describe('strict syntax (400)', () => {
    const cases: Array<[string, string, string]> = [
      ['bare LF line ends', 'GET / HTTP/1.1\nHost: h\n\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['one bare LF among CRLFs', 'GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['bare LF ending the head', 'GET / HTTP/1.1\r\nHost: h\r\n\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['bare CR in a value', 'GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['tab fold', 'GET / HTTP/1.1\r\nHost: h\r\n\tX-A: 1\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['space before colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['no colon', 'GET / HTTP/1.1\r\nHost h\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['empty name', 'GET / HTTP/1.1\r\n: h\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['non-token name', 'GET / HTTP/1.1\r\nX(A): h\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['NUL in value', 'GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['DEL in value', 'GET / HTTP/1.1\r\nX-A: a\x7fb\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['control in value', 'GET / HTTP/1.1\r\nX-A: a\x1bb\r\n\r\n', 'WS_ERR_INVALID_HEADER_LINE'],
      ['repeated Host', 'GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n', 'WS_ERR_INVALID_HOST'],
      [
        'repeated Content-Length',
        'GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n',
        'WS_ERR_INVALID_HEADER_LINE',
      ],
      ['lower-case http', 'GET / http/1.1\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['two spaces', 'GET  / HTTP/1.1\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['trailing space', 'GET / HTTP/1.1 \r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['tab separator', 'GET\t/ HTTP/1.1\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['no version', 'GET /\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['HTTP/1', 'GET / HTTP/1\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['HTTP/11.1', 'GET / HTTP/11.1\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['empty target', 'GET  HTTP/1.1\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['non-token method', 'G(T / HTTP/1.1\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['non-ASCII target', 'GET /caf\xe9 HTTP/1.1\r\n\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
      ['binary garbage', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n', 'WS_ERR_INVALID_REQUEST_LINE'],
    ];
    for (const [name, raw, code] of cases) {
      it(name, () => {
        const error = rejection(() => parseRequestHead(bytes(raw)));
        expect(error.status).toBe(400);
        expect(error.code).toBe(code);
      });
    }

    it('fails fast: a bad request line is refused before the head is complete', () => {
      expect(rejection(() => parseRequestHead(bytes('BAD REQUEST LINE\r\nHost: '))).status).toBe(400);
      expect(rejection(() => parseRequestHead(bytes('GET / HTTP/1.1\nHo'))).status).toBe(400);
      expect(rejection(() => parseRequestHead(bytes('GET / HTTP/1.1\r\nHost: a\rb'))).status).toBe(400);
      // A CR at the very end may still be followed by LF.
      expect(parseRequestHead(bytes('GET / HTTP/1.1\r'))).toBeNull();
    });
  });

  describe('limits (431)', () => {
    it('refuses a head larger than maxHeadSize, complete or not', () => {
      const big = `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`;
      expect(rejection(() => parseRequestHead(bytes(big)))).toMatchObject({
        status: 431,
        code: 'WS_ERR_HEAD_TOO_LARGE',
      });
      expect(rejection(() => parseRequestHead(bytes(big.slice(0, 8192))))).toMatchObject({ status: 431 });
      expect(parseRequestHead(bytes(big.slice(0, 8191)))).toBeNull();
      expect(parseRequestHead(bytes(big), { maxHeadSize: 10_000 })?.headLength).toBe(big.length);
    });

    it('counts the final CRLF CRLF in the limit', () => {
      const raw = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';
      expect(parseRequestHead(bytes(raw), { maxHeadSize: raw.length })?.headLength).toBe(raw.length);
      expect(rejection(() => parseRequestHead(bytes(raw), { maxHeadSize: raw.length - 1 })).status).toBe(431);
    });

    it('refuses more than maxHeaders header lines', () => {
      const lines = (n: number) => `GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(n)}\r\n`;
      expect(parseRequestHead(bytes(lines(100)))).not.toBeNull();
      expect(rejection(() => parseRequestHead(bytes(lines(101))))).toMatchObject({
        status: 431,
        code: 'WS_ERR_TOO_MANY_HEADERS',
      });
      expect(rejection(() => parseRequestHead(bytes(lines(4)), { maxHeaders: 3 })).status).toBe(431);
      // Before the head is complete, too.
      expect(rejection(() => parseRequestHead(bytes(lines(101).slice(0, -2)))).status).toBe(431);
    });

    it('checks its options', () => {
      expect(() => parseRequestHead(new Uint8Array(0), { maxHeadSize: 0 })).toThrow(RangeError);
      expect(() => parseRequestHead(new Uint8Array(0), { maxHeaders: 1.5 })).toThrow(RangeError);
      expect(parseRequestHead(new Uint8Array(0))).toBeNull();
    });
  });

  it('never throws anything but a HandshakeRejection on arbitrary bytes (property)', () => {
    const piece = fc.oneof(
      fc.constantFrom('GET / HTTP/1.1', '\r\n', '\n', '\r', ' ', ':', 'Host', 'X-A: b', '\t', 'HTTP/', '\0', '\xff'),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const input = Uint8Array.from(pieces.join(''), (ch) => Math.min(ch.charCodeAt(0), 0xff));
        try {
          const head = parseRequestHead(input, { maxHeadSize: 256 });
          if (head !== null) expect(head.headLength).toBeLessThanOrEqual(input.length);
        } catch (error) {
          expect(error).toBeInstanceOf(HandshakeRejection);
          expect([400, 431]).toContain((error as HandshakeRejection).status);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseResponseHead', () => {
  it('parses a 101 and a rejection', () => {
    const raw = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    expect(parseResponseHead(bytes(`${raw}\x81\x00`))).toMatchObject({
      httpVersion: '1.1',
      status: 101,
      statusText: 'Switching Protocols',
      headers: { upgrade: 'websocket', connection: 'Upgrade' },
      headLength: raw.length,
    });
    expect(parseResponseHead(bytes('HTTP/1.1 499 \r\n\r\n'))).toMatchObject({ status: 499, statusText: '' });
    expect(parseResponseHead(bytes('HTTP/1.1 200\r\n\r\n'))).toMatchObject({ status: 200, statusText: '' });
    expect(parseResponseHead(bytes(raw.slice(0, 20)))).toBeNull();
  });

  it('allows repeated headers that only matter on requests', () => {
    expect(parseResponseHead(bytes('HTTP/1.1 101 OK\r\nHost: a\r\nHost: b\r\n\r\n'))?.headers.host).toBe('a');
  });

  for (const bad of [
    'HTTP/1.1 1010 X\r\n\r\n',
    'HTTP/1.1 20 X\r\n\r\n',
    'HTTP/1.1 099 X\r\n\r\n',
    'HTTP/1.1 2x0 X\r\n\r\n',
    'HTTP/1.1 101X\r\n\r\n',
    'HTTP/1.1  101\r\n\r\n',
    'http/1.1 101 X\r\n\r\n',
    'HTTP/1.1 101 a\0b\r\n\r\n',
    'HTTP/1.1 101 OK\nX: y\n\n',
  ]) {
    it(`refuses ${JSON.stringify(bad)} with a HandshakeError`, () => {
      let error: unknown;
      try {
        parseResponseHead(bytes(bad));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HandshakeError);
      expect((error as HandshakeError).code).toBe('WS_ERR_INVALID_RESPONSE');
    });
  }
});
