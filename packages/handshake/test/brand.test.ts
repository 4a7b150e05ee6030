import { describe, expect, it } from 'vitest';
import * as portable from '../src/index.js';
import * as node from '../src/node.js';

// An application may load one copy of this package through `import` and another through
// `require` (the dual-package hazard): two evaluations, two HandshakeRejection classes.
// A second evaluation of the package stands in for the other build: the `?copy` query
// (tooling/testing/module-copies.ts) re-evaluates the entry and every module it imports, the
// error classes included, on Node and in Chromium alike. The portable entry is the copy, as the
// one both runtimes have; both entries export the same classes. `as string` keeps the literal
// for the test runner while TypeScript, which knows no such query, types it by the annotation.
async function otherCopy(): Promise<typeof import('../src/index.js')> {
  return import('../src/index.js?copy' as string);
}

describe('errors are recognised across copies of the package (dual-package hazard)', () => {
  it('a HandshakeRejection from another copy is a HandshakeRejection here', async () => {
    const other = await otherCopy();
    expect(other.HandshakeRejection).not.toBe(node.HandshakeRejection);
    const rejection = new other.HandshakeRejection(403, 'Forbidden origin');
    // Not on this copy's prototype chain...
    expect(Object.getPrototypeOf(rejection)).not.toBe(node.HandshakeRejection.prototype);
    // ...yet recognised, by `instanceof` (what @websock/server checks today) and by the guard.
    expect(rejection instanceof node.HandshakeRejection).toBe(true);
    expect(node.isHandshakeRejection(rejection)).toBe(true);
    expect(rejection instanceof portable.HandshakeRejection).toBe(true);
    expect(portable.isHandshakeRejection(rejection)).toBe(true);
  });

  it('a HandshakeError from another copy is a HandshakeError here', async () => {
    const other = await otherCopy();
    const error = new other.HandshakeError(other.HandshakeErrorCode.InvalidAccept, 'bad accept');
    expect(error instanceof node.HandshakeError).toBe(true);
    expect(node.isHandshakeError(error)).toBe(true);
  });

  it('other values are not', () => {
    for (const value of [
      new Error('x'),
      new node.HandshakeError(node.HandshakeErrorCode.InvalidAccept, 'x'),
      { status: 403, code: 'WS_ERR_REJECTED', name: 'HandshakeRejection' },
      null,
      undefined,
      'HandshakeRejection',
    ]) {
      expect(node.isHandshakeRejection(value)).toBe(false);
      expect(value instanceof node.HandshakeRejection).toBe(false);
    }
    expect(node.isHandshakeError(new node.HandshakeRejection(400))).toBe(false);
  });

  it('subclasses keep ordinary instanceof semantics', () => {
    class Unauthorized extends node.HandshakeRejection {
      constructor() {
        super(401, 'Unauthorized', { headers: { 'WWW-Authenticate': 'Bearer' } });
      }
    }
    expect(new Unauthorized() instanceof node.HandshakeRejection).toBe(true);
    expect(new Unauthorized() instanceof Unauthorized).toBe(true);
    expect(new node.HandshakeRejection(401) instanceof Unauthorized).toBe(false);
    expect(node.isHandshakeRejection(new Unauthorized())).toBe(true);
  });
});
