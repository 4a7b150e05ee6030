import type { RunOptions } from '../../src/runner.js';

/**
 * How the tests wait on a server that behaves (our echo server, a correct stand-in). Every wait
 * ends with the server's event (its close, its FIN, its failure inside a fail-fast window), so
 * these bounds only guard against a hang, long enough that no stall of a loaded machine reaches
 * them: a case that passes never waits for one, so they cost nothing, and a bound reached is
 * the server's failure, not the clock's. (The tool's defaults, for other servers, stay short.)
 */
export const PATIENT: RunOptions = {
  failFastTimeoutMs: 10_000,
  failTimeoutMs: 10_000,
  closeTimeoutMs: 10_000,
  dropTimeoutMs: 10_000,
};
