import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strict, encodeBase64 } from '../src/base64.js';
import { computeAcceptKey, generateKey, isValidKey, WEBSOCKET_GUID } from '../src/index.js';
import { computeAcceptKey as nodeComputeAcceptKey } from '../src/node.js';
import { sha1 } from '../src/sha1.js';
import { SAMPLE_ACCEPT, SAMPLE_KEY } from './corpus.js';

// The references are the runtime's own: WebCrypto's SHA-1 and btoa, in Node and in Chromium
// alike (tooling/browser runs this file there too, where ../src/node.js is the portable entry).
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const ascii = (text: string) => new TextEncoder().encode(text);
const referenceBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
async function referenceSha1(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-1', data));
}
async function referenceAccept(key: string): Promise<string> {
  return referenceBase64(await referenceSha1(ascii(key + WEBSOCKET_GUID)));
}

describe('Sec-WebSocket-Accept (RFC 6455 §4.2.2)', () => {
  it('matches the RFC sample on both entries', () => {
    expect(computeAcceptKey(SAMPLE_KEY)).toBe(SAMPLE_ACCEPT);
    expect(nodeComputeAcceptKey(SAMPLE_KEY)).toBe(SAMPLE_ACCEPT);
  });

  it('uses the GUID of RFC 6455 §1.3', () => {
    expect(WEBSOCKET_GUID).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  });

  it('both entries agree with WebCrypto on any key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 64 }), async (key) => {
        const expected = await referenceAccept(key);
        expect(computeAcceptKey(key)).toBe(expected);
        expect(nodeComputeAcceptKey(key)).toBe(expected);
      }),
      { numRuns: 500 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 16, maxLength: 16 }), async (bytes) => {
        const key = referenceBase64(bytes);
        const expected = await referenceAccept(key);
        expect(computeAcceptKey(key)).toBe(expected);
        expect(nodeComputeAcceptKey(key)).toBe(expected);
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

  it('agrees with WebCrypto at every length around the block boundaries', async () => {
    for (let length = 0; length <= 200; length++) {
      const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 0xff);
      expect(hex(sha1(data)), `length ${length}`).toBe(hex(await referenceSha1(data)));
    }
  });

  it('agrees with WebCrypto on random inputs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1000 }), async (data) => {
        expect(hex(sha1(data))).toBe(hex(await referenceSha1(data)));
      }),
      { numRuns: 1000 },
    );
  });

  it('does not read past a subarray view', async () => {
    const backing = new Uint8Array(100).fill(1);
    const view = backing.subarray(10, 20);
    expect(hex(sha1(view))).toBe(hex(await referenceSha1(new Uint8Array(10).fill(1))));
  });
});

describe('base64 without Buffer', () => {
  it('encodes like btoa', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (data) => {
        expect(encodeBase64(data)).toBe(referenceBase64(data));
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
    expect(isValidKey(referenceBase64(new Uint8Array(15)))).toBe(false);
    expect(isValidKey(referenceBase64(new Uint8Array(17)))).toBe(false);
    expect(isValidKey(`${SAMPLE_KEY} `)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(isValidKey(referenceBase64(bytes))).toBe(true);
      }),
    );
  });

  it('isValidKey agrees with the strict decoder on any 24 characters near a key', () => {
    // Keys with one or two characters replaced by any ASCII: non-canonical last sextets,
    // misplaced padding, characters outside the alphabet.
    const alphabetOrNot = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 23 }), alphabetOrNot), { minLength: 1, maxLength: 2 }),
        (bytes, edits) => {
          const chars = referenceBase64(bytes).split('');
          for (const [at, ch] of edits) chars[at] = ch;
          const key = chars.join('');
          expect(isValidKey(key)).toBe(decodeBase64Strict(key)?.length === 16);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('generateKey gives fresh valid keys', () => {
    const keys = new Set(Array.from({ length: 100 }, () => generateKey()));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(isValidKey(key)).toBe(true);
  });
});
