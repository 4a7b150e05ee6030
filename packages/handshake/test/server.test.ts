import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildAcceptResponse, parseRequestHead, validateUpgradeRequest } from '../src/index.js';
import { CORPUS, SAMPLE_ACCEPT, SAMPLE_KEY } from './corpus.js';
import { expectOutcome, outcomeOf } from './outcome.js';

const base = {
  method: 'GET',
  httpVersion: '1.1',
  url: '/chat',
  headers: {
    host: 'server.example.com',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': SAMPLE_KEY,
    'sec-websocket-version': '13',
  },
};

describe('validateUpgradeRequest (RFC 6455 §4.2.1)', () => {
  it('accepts the RFC sample request and reports what it asks for', () => {
    const info = validateUpgradeRequest({
      ...base,
      headers: {
        ...base.headers,
        origin: 'http://example.com',
        'sec-websocket-protocol': 'chat, superchat',
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits, x-foo',
      },
    });
    expect(info).toEqual({
      key: SAMPLE_KEY,
      version: 13,
      host: 'server.example.com',
      origin: 'http://example.com',
      protocols: ['chat', 'superchat'],
      extensions: [
        { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
        { name: 'x-foo', params: [] },
      ],
    });
    expect(buildAcceptResponse({ key: info.key })).toContain(`Sec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n`);
  });

  it('omits origin when absent and returns empty lists', () => {
    const info = validateUpgradeRequest(base);
    expect(info).toEqual({ key: SAMPLE_KEY, version: 13, host: 'server.example.com', protocols: [], extensions: [] });
    expect('origin' in info).toBe(false);
  });

  it('takes list headers given as arrays (repeated lines)', () => {
    const info = validateUpgradeRequest({
      ...base,
      headers: {
        ...base.headers,
        connection: ['keep-alive', 'Upgrade'],
        upgrade: ['h2c', 'WebSocket'],
        'sec-websocket-protocol': ['a, b', 'c'],
        'sec-websocket-extensions': ['x; p=1', 'y'],
      },
    });
    expect(info.protocols).toEqual(['a', 'b', 'c']);
    expect(info.extensions.map((e) => e.name)).toEqual(['x', 'y']);
  });

  it('rejects single-valued fields given as arrays of two', () => {
    const cases: Array<[string, string]> = [
      ['host', 'WS_ERR_INVALID_HOST'],
      ['sec-websocket-key', 'WS_ERR_INVALID_KEY'],
      ['sec-websocket-version', 'WS_ERR_INVALID_VERSION'],
    ];
    for (const [name, code] of cases) {
      const value = base.headers[name as keyof typeof base.headers];
      const outcome = outcomeOf({ ...base, headers: { ...base.headers, [name]: [value, value] } });
      expect(outcome).toMatchObject({ status: 400, code });
    }
    expect(outcomeOf({ ...base, headers: { ...base.headers, origin: ['a', 'b'] } })).toMatchObject({
      status: 400,
      code: 'WS_ERR_INVALID_ORIGIN',
    });
  });

  it('rejects repeated single-valued fields seen in rawHeaders even if headers kept one', () => {
    const rawHeaders = ['Host', 'a.example', 'host', 'b.example'];
    expect(outcomeOf({ ...base, rawHeaders })).toMatchObject({ status: 400, code: 'WS_ERR_INVALID_HOST' });
    expect(outcomeOf({ ...base, rawHeaders: ['Content-Length', '0', 'content-length', '0'] })).toMatchObject({
      status: 400,
      code: 'WS_ERR_UNEXPECTED_BODY',
    });
    expect(outcomeOf({ ...base, rawHeaders: ['Host', 'a', 'Accept', 'x', 'accept', 'y'] })).toEqual({ status: 101 });
  });

  it('reads one-token Upgrade and Connection values in any case, and nothing that only looks like them', () => {
    const withHeaders = (upgrade: string, connection: string) =>
      outcomeOf({ ...base, headers: { ...base.headers, upgrade, connection } });
    expect(withHeaders('WebSocket', 'UPGRADE')).toEqual({ status: 101 });
    expect(withHeaders(' websocket\t', 'Upgrade ')).toEqual({ status: 101 });
    expect(withHeaders('websocketx', 'Upgrade')).toMatchObject({ status: 400, code: 'WS_ERR_INVALID_UPGRADE' });
    expect(withHeaders('websocket', 'upgradex')).toMatchObject({ status: 400, code: 'WS_ERR_INVALID_CONNECTION' });
    expect(withHeaders('', 'Upgrade')).toMatchObject({ status: 400, code: 'WS_ERR_MISSING_UPGRADE' });
  });

  it('finds a single-valued field repeated in any case among other fields, however often', () => {
    const rawHeaders = ['Origin', 'a', 'Accept', 'x', 'ORIGIN', 'b', 'origin', 'c'];
    expect(outcomeOf({ ...base, rawHeaders })).toMatchObject({ status: 400, code: 'WS_ERR_INVALID_ORIGIN' });
    const keys = ['Sec-WebSocket-Key', SAMPLE_KEY, 'sec-websocket-key', SAMPLE_KEY];
    expect(outcomeOf({ ...base, rawHeaders: keys })).toMatchObject({ status: 400, code: 'WS_ERR_INVALID_KEY' });
  });

  it('rejects a missing method (IncomingMessage.method is optional) with 405', () => {
    const { method: _, ...rest } = base;
    expect(outcomeOf(rest)).toMatchObject({ status: 405, code: 'WS_ERR_INVALID_METHOD' });
  });

  it('accepts later HTTP versions and rejects malformed ones', () => {
    expect(outcomeOf({ ...base, httpVersion: '1.2' })).toEqual({ status: 101 });
    expect(outcomeOf({ ...base, httpVersion: '2.0' })).toEqual({ status: 101 });
    for (const httpVersion of ['0.9', '1.0', '1', '', '1.1.1', 'HTTP/1.1']) {
      expect(outcomeOf({ ...base, httpVersion })).toMatchObject({ status: 400, code: 'WS_ERR_INVALID_HTTP_VERSION' });
    }
  });

  it('trims OWS around single values and checks versions by grammar', () => {
    expect(outcomeOf({ ...base, headers: { ...base.headers, 'sec-websocket-version': ' 13\t' } })).toEqual({
      status: 101,
    });
    expect(outcomeOf({ ...base, headers: { ...base.headers, 'sec-websocket-version': '255' } })).toMatchObject({
      status: 426,
    });
    expect(outcomeOf({ ...base, headers: { ...base.headers, 'sec-websocket-version': '256' } })).toMatchObject({
      status: 400,
    });
    expect(outcomeOf({ ...base, headers: { ...base.headers, 'sec-websocket-version': '0' } })).toMatchObject({
      status: 426,
    });
  });

  it('accepts every valid key and the version header accompanies every version failure', () => {
    const missing = outcomeOf({ ...base, headers: { ...base.headers, 'sec-websocket-version': undefined } });
    expect(missing).toMatchObject({ status: 400, headers: { 'Sec-WebSocket-Version': '13' } });
  });

  it('accepts an IncomingMessage as is (type check)', () => {
    const accepts = (req: IncomingMessage) => () => validateUpgradeRequest(req);
    expect(typeof accepts).toBe('function');
  });

  describe('corpus through plain header objects (parseRequestHead as the HTTP parser)', () => {
    for (const c of CORPUS) {
      it(`${c.name} → ${c.status}`, () => {
        // The raw parser may already refuse (a repeated Host): same answer either way.
        const outcome = outcomeOf(() => {
          const head = parseRequestHead(new TextEncoder().encode(c.raw));
          if (head === null) throw new Error('incomplete');
          expect(head.headLength).toBe(c.raw.length);
          return head;
        });
        expectOutcome(outcome, c);
      });
    }
  });
});
