import { describe, expect, it } from 'vitest';
import fixtures from './fixtures/autobahn-6.json';
import { entries } from './impls';
import { hexToBytes } from './reference';

// Payloads of Autobahn|Testsuite category 6, extracted by scripts/extract-autobahn-fixtures.mjs.
// `valid` is what the case expects (echoed vs connection failed with 1007); the
// tests compute validity themselves and compare.
interface Fixture {
  id: string;
  hex: string;
  valid: boolean;
  failOffset: number;
  parts?: string[];
  oneOctetFragments?: boolean;
}
const cases = fixtures.cases as Fixture[];

describe('Autobahn 6.x fixtures', () => {
  it('hold all 145 cases, both valid and invalid', () => {
    expect(cases).toHaveLength(145);
    expect(cases.filter((c) => c.valid).length).toBeGreaterThan(50);
    expect(cases.filter((c) => !c.valid).length).toBeGreaterThan(50);
  });
});

describe.each(entries)('%s entry: Autobahn 6.x payloads', (_name, entry) => {
  it.each(cases.map((c) => [c.id, c] as const))('case %s', (_id, c) => {
    const bytes = hexToBytes(c.hex);
    expect(entry.isUtf8(bytes)).toBe(c.valid);
    expect(entry.utf8ErrorOffset(bytes)).toBe(c.failOffset);

    // As the suite sends it: in its parts, one octet at a time, or whole.
    const pieces =
      c.parts?.map(hexToBytes) ?? (c.oneOctetFragments ? [...bytes].map((b) => Uint8Array.of(b)) : [bytes]);
    const validator = new entry.Utf8Validator();
    let written = 0;
    let rejected: Uint8Array | undefined;
    for (const piece of pieces) {
      if (!validator.write(piece)) {
        rejected = piece;
        break;
      }
      written += piece.length;
    }
    const complete = validator.end();
    expect(complete).toBe(c.valid);
    expect(validator.errorOffset).toBe(c.failOffset);
    if (!c.valid && c.failOffset < bytes.length) {
      // Fail fast: rejected by the very piece holding the offending byte, not later.
      expect(rejected).toBeDefined();
      expect(c.failOffset).toBeGreaterThanOrEqual(written);
      expect(c.failOffset).toBeLessThan(written + rejected!.length);
    } else {
      expect(rejected).toBeUndefined();
    }
  });

  it('6.4.x: the first part is accepted and the second rejected immediately', () => {
    for (const id of ['6.4.1', '6.4.2', '6.4.3', '6.4.4']) {
      const c = cases.find((x) => x.id === id)!;
      const [first, second] = c.parts!.map(hexToBytes);
      const validator = new entry.Utf8Validator();
      expect(validator.write(first!), id).toBe(true);
      expect(validator.write(second!), id).toBe(false);
      expect(validator.errorOffset, id).toBe(12);
    }
  });
});
