// Shared by exhaustive.node.test.ts and exhaustive.portable.test.ts: one file per
// entry point so vitest can run the two in parallel.
import { describe, expect, it } from 'vitest';
import type { Entry } from './impls';
import { bytesToHex, encodeScalar, referenceFailOffset } from './reference';

/** Byte values at the edges of every range in Table 3-7, plus their neighbours. */
const BOUNDARY_BYTES = [
  0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
  0xf1, 0xf3, 0xf4, 0xf5, 0xff,
];
const ALL_BYTES = Array.from({ length: 256 }, (_, b) => b);

/**
 * Checks one input against the reference through every API of an entry, and
 * returns a description of the first disagreement (or undefined). Returning
 * instead of asserting keeps million-case loops fast.
 */
function disagreement(entry: Entry, validator: InstanceType<Entry['Utf8Validator']>, bytes: Uint8Array) {
  const problem = firstProblem(entry, validator, bytes);
  return problem === undefined ? undefined : `${problem} on ${bytesToHex(bytes)}`;
}

/** The API call that disagrees with the reference on `bytes`; the hex is added only then (hot loop). */
function firstProblem(entry: Entry, validator: InstanceType<Entry['Utf8Validator']>, bytes: Uint8Array) {
  const expected = referenceFailOffset(bytes);
  if (entry.isUtf8(bytes) !== (expected === -1)) return 'isUtf8';
  if (entry.utf8ErrorOffset(bytes) !== expected) return `utf8ErrorOffset = ${entry.utf8ErrorOffset(bytes)}`;
  validator.reset();
  const failsInside = expected !== -1 && expected < bytes.length;
  if (validator.write(bytes) === failsInside) return 'write';
  if (validator.end() !== (expected === -1)) return 'end() after write';
  if (validator.errorOffset !== expected) return `errorOffset = ${validator.errorOffset}`;
  // Byte by byte: the write that returns false must be the one of the failing byte.
  validator.reset();
  for (let i = 0; i < bytes.length; i++) {
    const ok = validator.write(bytes.subarray(i, i + 1));
    if (ok !== (!failsInside || i < expected)) return `byte-wise write #${i}`;
  }
  if (validator.end() !== (expected === -1) || validator.errorOffset !== expected) return 'byte-wise end';
  return undefined;
}

function* combinations(...positions: number[][]): Generator<Uint8Array> {
  const bytes = new Uint8Array(positions.length);
  function* fill(k: number): Generator<Uint8Array> {
    if (k === positions.length) {
      yield bytes;
      return;
    }
    for (const b of positions[k]!) {
      bytes[k] = b;
      yield* fill(k + 1);
    }
  }
  yield* fill(0);
}

function firstDisagreements(entry: Entry, inputs: Iterable<Uint8Array>, limit = 5): string[] {
  const validator = new entry.Utf8Validator();
  const found: string[] = [];
  for (const bytes of inputs) {
    const problem = disagreement(entry, validator, bytes);
    if (problem !== undefined && found.push(problem) >= limit) break;
  }
  return found;
}

function allScalarValues(): { bytes: Uint8Array; ends: Uint32Array } {
  const bytes = new Uint8Array(4 * 0x110000);
  const ends = new Uint32Array(0x110000 - 0x800);
  let n = 0;
  let k = 0;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    for (const b of encodeScalar(cp)) bytes[n++] = b;
    ends[k++] = n;
  }
  return { bytes: bytes.subarray(0, n), ends };
}

export function exhaustiveSuite(name: string, entry: Entry): void {
  const scalars = allScalarValues();

  describe(`${name} entry: exhaustive checks against Unicode Table 3-7`, () => {
    it('accepts every scalar value U+0000..U+10FFFF, noncharacters included', () => {
      const { bytes, ends } = scalars;
      expect(entry.isUtf8(bytes)).toBe(true);
      expect(entry.utf8ErrorOffset(bytes)).toBe(-1);
      for (const size of [1, 7, 4096, 65_537]) {
        const validator = new entry.Utf8Validator();
        let ok = true;
        for (let i = 0; i < bytes.length; i += size) ok &&= validator.write(bytes.subarray(i, i + size));
        expect(ok, `chunks of ${size}`).toBe(true);
        expect(validator.end()).toBe(true);
      }
      // And one by one.
      const validator = new entry.Utf8Validator();
      let rejected = -1;
      let start = 0;
      for (let k = 0; k < ends.length; k++) {
        const one = bytes.subarray(start, ends[k]);
        if (!entry.isUtf8(one) || !validator.write(one) || !validator.end()) {
          rejected = k;
          break;
        }
        start = ends[k]!;
      }
      expect(rejected).toBe(-1);
    });

    it('rejects every surrogate U+D800..U+DFFF at its second byte', () => {
      const validator = new entry.Utf8Validator();
      const bad: number[] = [];
      for (let cp = 0xd800; cp <= 0xdfff; cp++) {
        const bytes = Uint8Array.from(encodeScalar(cp));
        validator.reset();
        const streamed = validator.write(bytes);
        if (entry.isUtf8(bytes) || entry.utf8ErrorOffset(bytes) !== 1 || streamed || validator.errorOffset !== 1) {
          bad.push(cp);
        }
      }
      expect(bad).toEqual([]);
    });

    it('rejects every value above U+10FFFF in the 4-byte form at the first impossible byte', () => {
      const validator = new entry.Utf8Validator();
      const bytes = new Uint8Array(4);
      const bad: number[] = [];
      for (let cp = 0x110000; cp <= 0x1fffff; cp++) {
        bytes.set(encodeScalar(cp));
        const expected = bytes[0] === 0xf4 ? 1 : 0; // F4 90..BF fails at the second byte, F5..F7 at once
        validator.reset();
        const streamed = validator.write(bytes);
        if (entry.isUtf8(bytes) || entry.utf8ErrorOffset(bytes) !== expected || streamed) bad.push(cp);
        else if (validator.errorOffset !== expected) bad.push(cp);
        if (bad.length > 5) break;
      }
      expect(bad).toEqual([]);
    });

    it('rejects every overlong form (2-byte below U+0080, 3-byte below U+0800, 4-byte below U+10000)', () => {
      const validator = new entry.Utf8Validator();
      const bad: string[] = [];
      const check = (bytes: Uint8Array, expected: number) => {
        validator.reset();
        const streamed = validator.write(bytes);
        if (
          entry.isUtf8(bytes) ||
          entry.utf8ErrorOffset(bytes) !== expected ||
          streamed ||
          validator.errorOffset !== expected
        )
          bad.push(bytesToHex(bytes));
      };
      for (let cp = 0; cp < 0x80; cp++) check(Uint8Array.of(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)), 0);
      for (let cp = 0; cp < 0x800; cp++) check(Uint8Array.of(0xe0, 0x80 | (cp >> 6), 0x80 | (cp & 0x3f)), 1);
      for (let cp = 0; cp < 0x10000; cp++) {
        check(Uint8Array.of(0xf0, 0x80 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)), 1);
      }
      expect(bad).toEqual([]);
    });

    it('classifies every 1- and 2-byte input like the reference', () => {
      expect(firstDisagreements(entry, combinations(ALL_BYTES))).toEqual([]);
      expect(firstDisagreements(entry, combinations(ALL_BYTES, ALL_BYTES))).toEqual([]);
    });

    it('classifies every 3-byte boundary combination like the reference', () => {
      const leads3 = ALL_BYTES.filter((b) => b >= 0xe0 && b <= 0xef);
      expect(firstDisagreements(entry, combinations(leads3, ALL_BYTES, BOUNDARY_BYTES))).toEqual([]);
      expect(firstDisagreements(entry, combinations(ALL_BYTES, BOUNDARY_BYTES, BOUNDARY_BYTES))).toEqual([]);
    });

    it('classifies every 4-byte boundary combination like the reference', () => {
      const leads4 = ALL_BYTES.filter((b) => b >= 0xf0 && b <= 0xf7);
      const lastBytes = [0x7f, 0x80, 0xbf, 0xc0];
      expect(firstDisagreements(entry, combinations(leads4, ALL_BYTES, BOUNDARY_BYTES, lastBytes))).toEqual([]);
      expect(
        firstDisagreements(entry, combinations(BOUNDARY_BYTES, BOUNDARY_BYTES, BOUNDARY_BYTES, lastBytes)),
      ).toEqual([]);
    });
  });
}
