// What validateUpgradeRequest answers for a request, checked against a corpus case: shared by
// server.test.ts (plain header objects) and server.node.test.ts (through node:http).
import { expect } from 'vitest';
import { HandshakeRejection, type UpgradeRequest, validateUpgradeRequest } from '../src/index.js';
import type { CorpusCase } from './corpus.js';

export type Outcome = { status: number; code?: string; headers?: Record<string, string> };

export function outcomeOf(req: UpgradeRequest | (() => UpgradeRequest)): Outcome {
  try {
    validateUpgradeRequest(typeof req === 'function' ? req() : req);
    return { status: 101 };
  } catch (error) {
    if (!(error instanceof HandshakeRejection)) throw error;
    return { status: error.status, code: error.code, headers: { ...error.headers } };
  }
}

export function expectOutcome(outcome: Outcome, c: CorpusCase): void {
  expect(outcome.status).toBe(c.status);
  if (c.code !== undefined) expect(outcome.code).toBe(c.code);
  if (c.headers !== undefined) expect(outcome.headers).toEqual(c.headers);
}
