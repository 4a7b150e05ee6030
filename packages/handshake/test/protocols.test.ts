import { describe, expect, it } from 'vitest';
import { HandshakeRejection, parseProtocolHeader, selectProtocol } from '../src/index.js';

describe('parseProtocolHeader', () => {
  it('parses comma lists over repeated lines, skipping empty elements', () => {
    expect(parseProtocolHeader(undefined)).toEqual([]);
    expect(parseProtocolHeader('')).toEqual([]);
    expect(parseProtocolHeader('chat')).toEqual(['chat']);
    expect(parseProtocolHeader(' chat ,superchat,, ')).toEqual(['chat', 'superchat']);
    expect(parseProtocolHeader(['chat, v2.chat', 'mqtt'])).toEqual(['chat', 'v2.chat', 'mqtt']);
  });

  it('is case-sensitive: Chat and chat are different protocols', () => {
    expect(parseProtocolHeader('Chat, chat')).toEqual(['Chat', 'chat']);
  });

  for (const bad of ['a b', 'a/b', 'a;b', '"a"', 'a=b', 'ä', 'a, a', ['a', 'a'], 'a\tb', '(a)']) {
    it(`rejects ${JSON.stringify(bad)} with 400`, () => {
      let error: unknown;
      try {
        parseProtocolHeader(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(HandshakeRejection);
      expect(error).toMatchObject({ status: 400, code: 'WS_ERR_INVALID_PROTOCOL' });
    });
  }
});

describe('selectProtocol', () => {
  it('picks by server preference among the offered', () => {
    expect(selectProtocol(['chat', 'v2.chat'], ['v2.chat', 'chat'])).toBe('v2.chat');
    expect(selectProtocol(['chat', 'v2.chat'], ['v3', 'chat'])).toBe('chat');
    expect(selectProtocol(['chat'], ['mqtt'])).toBeUndefined();
    expect(selectProtocol([], ['mqtt'])).toBeUndefined();
    expect(selectProtocol(['Chat'], ['chat'])).toBeUndefined();
  });

  it('uses a chooser and checks its answer', () => {
    expect(selectProtocol(['a', 'b'], (offered) => offered[1])).toBe('b');
    expect(selectProtocol(['a', 'b'], () => null)).toBeUndefined();
    expect(selectProtocol(['a', 'b'], () => undefined)).toBeUndefined();
    expect(() => selectProtocol(['a', 'b'], () => 'c')).toThrow(TypeError);
    expect(() => selectProtocol([], () => 'a')).toThrow(TypeError);
  });
});
