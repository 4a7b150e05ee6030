import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseResult, ECHO_CASES, type EchoCase, firstDifference } from '../../src/cases.js';
import { type RunningTarget, startVariant, type Target, VARIANTS, type Variant } from '../../src/servers.js';

export interface Peer {
  readonly name: string;
  /** Whether the client offers permessage-deflate: then the deflate variants must negotiate it. */
  readonly offersDeflate: boolean;
  /** Whether the client API tells whether the close was clean (WHATWG `wasClean`); then it must be true. */
  readonly exposesWasClean: boolean;
  /** Cases run after the shared ones on a variant, for this peer only (e.g. the 4 MiB echoes). */
  extraCases?(variant: Variant): readonly EchoCase[];
  /** Runs every case against the target and reports one result per case, in order. */
  run(target: Target, cases: readonly EchoCase[]): Promise<CaseResult[]>;
}

/**
 * The echo suite for one peer: each server variant is started once, the peer runs all the
 * cases against it (one connection per case), and each case is then one test.
 */
export function defineEchoSuite(peer: Peer): void {
  describe.each(VARIANTS)(`${peer.name} against the echo server over $name`, (variant) => {
    const cases = [...ECHO_CASES, ...(peer.extraCases?.(variant) ?? [])];
    let server: RunningTarget | undefined;
    let results: CaseResult[] = [];

    beforeAll(async () => {
      server = await startVariant(variant);
      results = await peer.run(server, cases);
    }, 60_000);

    afterAll(async () => {
      await server?.close();
    });

    it.each(cases.map((echoCase, index) => ({ echoCase, index, title: echoCase.name })))(
      '$title',
      ({ echoCase, index }) => {
        expectEchoResult(echoCase, results[index], {
          deflate: variant.deflate && peer.offersDeflate,
          exposesWasClean: peer.exposesWasClean,
        });
      },
    );
  });
}

/**
 * What one echo case must have produced: opened without error, the expected subprotocol, every
 * message back unchanged and in order, the expected close; on the case that checks it,
 * permessage-deflate negotiated exactly when both sides have it (`deflate`).
 */
export function expectEchoResult(
  echoCase: EchoCase,
  result: CaseResult | undefined,
  expected: { readonly deflate: boolean; readonly exposesWasClean: boolean },
): void {
  expect(result, 'the peer reported no result for this case').toBeDefined();
  if (result === undefined) return;
  expect({ opened: result.opened, error: result.error }).toEqual({ opened: true, error: undefined });
  expect(result.protocol, 'selected subprotocol').toBe(echoCase.expectProtocol);
  expect(firstDifference(echoCase.messages, result.echoes), 'echoes differ from what was sent').toBeUndefined();
  expect(result.close, 'close as the client saw it').toEqual({
    code: echoCase.expectClose.code,
    reason: echoCase.expectClose.reason,
    wasClean: expected.exposesWasClean ? true : null,
  });
  if (echoCase.checksDeflate) {
    if (expected.deflate) expect(result.extensions).toContain('permessage-deflate');
    else expect(result.extensions).toBe('');
  }
}
