import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strict, encodeBase64 } from '../src/base64.js';
import { computeAcceptKey, generateKey, isValidKey, WEBSOCKET_GUID } from '../src/index.js';
import { computeAcceptKey as nodeComputeAcceptKey } from '../src/node.js';
import { sha1 } from '../src/sha1.js';
import { SAMPLE_ACCEPT, SAMPLE_KEY } from './corpus.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const ascii = (text: string) => new TextEncoder().encode(text);

describe('Sec-WebSocket-Accept (RFC 6455 §4.2.2)', () => {
  it('matches the RFC sample on both entries', () => {
    expect(computeAcceptKey(SAMPLE_KEY)).toBe(SAMPLE_ACCEPT);
    expect(nodeComputeAcceptKey(SAMPLE_KEY)).toBe(SAMPLE_ACCEPT);
  });

  it('uses the GUID of RFC 6455 §1.3', () => {
    expect(WEBSOCKET_GUID).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  });

  it('portable and node:crypto versions agree on any key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (key) => {
        expect(computeAcceptKey(key)).toBe(nodeComputeAcceptKey(key));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const key = Buffer.from(bytes).toString('base64');
        expect(computeAcceptKey(key)).toBe(nodeComputeAcceptKey(key));
      }),
      { numRuns: 500 },
    );
  });
});

describe('portable SHA-1', () => {
  it('passes the FIPS 180 vectors', () => {
    expect(hex(sha1(ascii('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hex(sha1(ascii('')))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(hex(sha1(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    );
    expect(hex(sha1(new Uint8Array(1_000_000).fill(0x61)))).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  });

  it('agrees with node:crypto at every length around the block boundaries', () => {
    for (let length = 0; length <= 200; length++) {
      const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
      expect(hex(sha1(data))).toBe(createHash('sha1').update(data).digest('hex'));
    }
  });

  it('agrees with node:crypto on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (data) => {
        expect(hex(sha1(data))).toBe(createHash('sha1').update(data).digest('hex'));
      }),
      { numRuns: 1000 },
    );
  });

  it('does not read past a subarray view', () => {
    const backing = new Uint8Array(100).fill(1);
    const view = backing.subarray(10, 20);
    expect(hex(sha1(view))).toBe(createHash('sha1').update(view).digest('hex'));
  });
});

describe('base64 without Buffer', () => {
  it('encodes like Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        expect(encodeBase64(data)).toBe(Buffer.from(data).toString('base64'));
      }),
    );
  });

  it('decodes what it encodes, strictly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        expect(decodeBase64Strict(encodeBase64(data))).toEqual(data);
      }),
    );
  });

  it('refuses anything but canonical padded base64', () => {
    for (const bad of [
      'A',
      'AA',
      'AAA',
      'AA=',
      'A===',
      '====',
      'AB==',
      'AAB=',
      'AA=A',
      'A A=',
      'AAA-',
      'AA_A',
      'AAAA\n',
      'é===',
    ]) {
      expect(decodeBase64Strict(bad), bad).toBeNull();
    }
    expect(decodeBase64Strict('')).toEqual(new Uint8Array(0));
    expect(decodeBase64Strict('AA==')).toEqual(new Uint8Array([0]));
    expect(decodeBase64Strict('AAE=')).toEqual(new Uint8Array([0, 1]));
  });
});

describe('keys', () => {
  it('isValidKey accepts exactly base64 of 16 bytes', () => {
    expect(isValidKey(SAMPLE_KEY)).toBe(true);
    expect(isValidKey(Buffer.alloc(15).toString('base64'))).toBe(false);
    expect(isValidKey(Buffer.alloc(17).toString('base64'))).toBe(false);
    expect(isValidKey(`${SAMPLE_KEY} `)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(isValidKey(Buffer.from(bytes).toString('base64'))).toBe(true);
      }),
    );
  });

  it('generateKey gives fresh valid keys', () => {
    const keys = new Set(Array.from({ length: 100 }, () => generateKey()));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(isValidKey(key)).toBe(true);
  });
});
