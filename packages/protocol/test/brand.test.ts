import { describe, expect, it } from 'vitest';
import { InvalidStateError, isProtocolError, ProtocolError, toProtocolError } from '../src/index.js';

// A second evaluation of the package stands in for its other build (ESM vs CJS). The `?copy`
// query (tooling/testing/module-copies.ts) re-evaluates the entry and every module it imports,
// on Node and in Chromium alike. `as string` keeps the literal for the test runner while
// TypeScript, which knows no such query, types the import through the annotation.
async function otherCopy(): Promise<typeof import('../src/index.js')> {
  return import('../src/index.js?copy' as string);
}

describe('errors are recognised across copies of the package (dual-package hazard)', () => {
  it('a ProtocolError from another copy is a ProtocolError here', async () => {
    const other = await otherCopy();
    expect(other.ProtocolError).not.toBe(ProtocolError);
    const error = new other.ProtocolError('WS_ERR_INVALID_UTF8', 1007, 'bad text');
    expect(Object.getPrototypeOf(error)).not.toBe(ProtocolError.prototype);
    expect(error instanceof ProtocolError).toBe(true);
    expect(isProtocolError(error)).toBe(true);
    // And it is passed through as is, not wrapped.
    expect(toProtocolError(error)).toBe(error);
  });

  it('an InvalidStateError from another copy is an InvalidStateError here', async () => {
    const other = await otherCopy();
    expect(new other.InvalidStateError('closed') instanceof InvalidStateError).toBe(true);
  });

  it('other values are not', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'ProtocolError', code: 'WS_ERR_X', closeCode: 1002 });
    for (const value of [lookalike, new InvalidStateError('x'), null, undefined, {}]) {
      expect(isProtocolError(value)).toBe(false);
      expect(value instanceof ProtocolError).toBe(false);
    }
    expect(new ProtocolError('WS_ERR_X', 1002, 'x') instanceof InvalidStateError).toBe(false);
  });
});
