import { describe, expect, it } from 'vitest';
import { buildExtendedConnectResponse, HandshakeRejection, validateExtendedConnect } from '../src/index.js';

const base = {
  ':method': 'CONNECT',
  ':protocol': 'websocket',
  ':scheme': 'https',
  ':path': '/chat',
  ':authority': 'server.example.com',
  'sec-websocket-version': '13',
};

function outcome(headers: Record<string, string | string[] | undefined>) {
  try {
    return validateExtendedConnect(headers);
  } catch (error) {
    if (!(error instanceof HandshakeRejection)) throw error;
    return { status: error.status, code: error.code, headers: { ...error.headers } };
  }
}

describe('validateExtendedConnect (RFC 8441 §4-5)', () => {
  it('accepts an extended CONNECT without a key', () => {
    expect(
      validateExtendedConnect({
        ...base,
        origin: 'https://example.com',
        'sec-websocket-protocol': 'chat, superchat',
        'sec-websocket-extensions': 'permessage-deflate',
      }),
    ).toEqual({
      version: 13,
      authority: 'server.example.com',
      path: '/chat',
      scheme: 'https',
      origin: 'https://example.com',
      protocols: ['chat', 'superchat'],
      extensions: [{ name: 'permessage-deflate', params: [] }],
    });
  });

  const failures: Array<[string, Record<string, string | string[] | undefined>, number, string]> = [
    ['GET', { ':method': 'GET' }, 405, 'WS_ERR_INVALID_METHOD'],
    ['plain CONNECT', { ':protocol': undefined }, 400, 'WS_ERR_INVALID_PSEUDO_HEADER'],
    ['other :protocol', { ':protocol': 'webtransport' }, 400, 'WS_ERR_INVALID_PSEUDO_HEADER'],
    ['no :scheme', { ':scheme': undefined }, 400, 'WS_ERR_INVALID_PSEUDO_HEADER'],
    ['no :path', { ':path': undefined }, 400, 'WS_ERR_INVALID_PSEUDO_HEADER'],
    ['empty :path', { ':path': '' }, 400, 'WS_ERR_INVALID_PSEUDO_HEADER'],
    ['no :authority', { ':authority': undefined }, 400, 'WS_ERR_INVALID_PSEUDO_HEADER'],
    ['no version', { 'sec-websocket-version': undefined }, 400, 'WS_ERR_MISSING_VERSION'],
    ['version 8', { 'sec-websocket-version': '8' }, 400, 'WS_ERR_UNSUPPORTED_VERSION'],
    ['version junk', { 'sec-websocket-version': '13, 13' }, 400, 'WS_ERR_INVALID_VERSION'],
    ['bad protocol', { 'sec-websocket-protocol': 'a b' }, 400, 'WS_ERR_INVALID_PROTOCOL'],
    ['bad extensions', { 'sec-websocket-extensions': 'a;' }, 400, 'WS_ERR_INVALID_EXTENSIONS'],
    ['two origins', { origin: ['a', 'b'] }, 400, 'WS_ERR_INVALID_ORIGIN'],
  ];
  for (const [name, change, status, code] of failures) {
    it(`rejects ${name} with ${status}`, () => {
      expect(outcome({ ...base, ...change })).toMatchObject({ status, code });
    });
  }

  it('advertises version 13 on version failures, without 426 (no Upgrade in HTTP/2)', () => {
    expect(outcome({ ...base, 'sec-websocket-version': '8' })).toMatchObject({
      headers: { 'sec-websocket-version': '13' },
    });
  });
});

describe('buildExtendedConnectResponse', () => {
  it('builds the 200 headers', () => {
    expect(buildExtendedConnectResponse()).toEqual({ ':status': 200 });
    expect(
      buildExtendedConnectResponse({
        protocol: 'chat',
        offeredProtocols: ['chat'],
        extensions: [{ name: 'permessage-deflate', params: [['server_no_context_takeover', true]] }],
        headers: { 'X-Server': 'websock', 'Set-Cookie': ['a=1', 'b=2'] },
      }),
    ).toEqual({
      ':status': 200,
      'sec-websocket-protocol': 'chat',
      'sec-websocket-extensions': 'permessage-deflate; server_no_context_takeover',
      'x-server': 'websock',
      'set-cookie': ['a=1', 'b=2'],
    });
  });

  it('merges names differing only in case', () => {
    expect(buildExtendedConnectResponse({ headers: { 'X-A': '1', 'x-a': ['2', '3'] } })).toEqual({
      ':status': 200,
      'x-a': ['1', '2', '3'],
    });
  });

  it('refuses misuse with TypeError', () => {
    expect(() => buildExtendedConnectResponse({ protocol: 'mqtt', offeredProtocols: ['chat'] })).toThrow(TypeError);
    expect(() => buildExtendedConnectResponse({ protocol: 'a b' })).toThrow(TypeError);
    expect(() => buildExtendedConnectResponse({ headers: { Connection: 'x' } })).toThrow(TypeError);
    expect(() => buildExtendedConnectResponse({ headers: { upgrade: 'x' } })).toThrow(TypeError);
    expect(() => buildExtendedConnectResponse({ headers: { ':status': '204' } })).toThrow(TypeError);
    expect(() => buildExtendedConnectResponse({ headers: { 'x-a': 'a\r\nb' } })).toThrow(TypeError);
  });
});
