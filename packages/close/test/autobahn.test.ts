import { describe, expect, it } from 'vitest';
import { encodeClosePayload, parseClosePayload } from '../src/index';
import fixtures from './fixtures/autobahn-7.json';

// Close-frame payloads of Autobahn|Testsuite category 7, rebuilt from the case
// descriptions by scripts/extract-autobahn-fixtures.mjs, with the outcome each
// case expects (its expectedClose): valid or not, and the codes the suite accepts
// in the close frame we answer with.
interface Fixture {
  id: string;
  description: string;
  hex: string;
  valid: boolean;
  allowedCloseCodes: number[];
  code?: number;
  reason?: string;
}
const cases = fixtures.cases as Fixture[];
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));

describe('Autobahn 7.x close payloads', () => {
  it('cover the payload cases (7.3, 7.5, 7.7, 7.9, 7.13)', () => {
    for (const group of ['7.3.', '7.5.', '7.7.', '7.9.', '7.13.']) {
      expect(cases.some((c) => c.id.startsWith(group))).toBe(true);
    }
  });

  it.each(cases.map((c) => [c.id, c.description, c] as const))('%s %s', (_id, _description, c) => {
    const parsed = parseClosePayload(fromHex(c.hex));
    expect(parsed.ok).toBe(c.valid);
    if (parsed.ok) {
      expect(parsed.code).toBe(c.code);
      expect(parsed.reason).toBe(c.reason);
      // The answer echoes the code (an empty close is answered with an empty close),
      // and the suite must accept it.
      const answer = parsed.code === 1005 ? encodeClosePayload() : encodeClosePayload(parsed.code);
      if (answer.length > 0) expect(c.allowedCloseCodes).toContain((answer[0]! << 8) | answer[1]!);
      else expect(c.hex).toBe('');
    } else {
      // Failed with a code the suite accepts, which is itself sendable.
      expect(c.allowedCloseCodes).toContain(parsed.error.closeCode);
      expect(encodeClosePayload(parsed.error.closeCode)).toHaveLength(2);
    }
  });
});
