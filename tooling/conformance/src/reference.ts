import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex } from './frame-writer.js';
import type { ExpectedClose, ExpectedEvent } from './grading.js';

/**
 * The official case list (tooling/conformance/data/autobahn-cases.json, committed with the
 * repository): ids, descriptions, expected event sequences and close behaviour exactly as
 * Autobahn|Testsuite reports them. The case table is derived from it at test time.
 */

export interface ReferenceCase {
  id: string;
  description: string;
  expectation: string;
  /** Grade → sequence of raw events, e.g. ["message", "Hello", false], ["pong", "0x00ff"], ["timeout", "A"]. */
  expected: Record<string, unknown[][]>;
  expectedClose: ExpectedClose;
}

const here = dirname(fileURLToPath(import.meta.url));
/** tooling/conformance/src → repository root. */
export const repoRoot = resolve(here, '../../..');
/** tooling/conformance/src → tooling/conformance/data. */
export const defaultReferencePath = resolve(here, '../data/autobahn-cases.json');

export function referencePath(): string {
  return process.env.AUTOBAHN_CASES_JSON ?? defaultReferencePath;
}

/** Loads the reference file; throws (never skips) when it is missing or malformed. */
export function loadReferenceCases(path = referencePath()): ReferenceCase[] {
  if (!existsSync(path)) {
    throw new Error(
      `Autobahn reference case list not found at ${path}. The conformance suite is derived from it: ` +
        `the repository carries it at ${defaultReferencePath}; AUTOBAHN_CASES_JSON, when set, must name an existing copy.`,
    );
  }
  const json = JSON.parse(readFileSync(path, 'utf8')) as { cases?: ReferenceCase[] };
  if (!Array.isArray(json.cases) || json.cases.length === 0) throw new Error(`${path}: no "cases" array`);
  for (const c of json.cases) {
    if (typeof c.id !== 'string' || typeof c.description !== 'string' || !c.expected || !c.expectedClose) {
      throw new Error(`${path}: malformed case entry ${JSON.stringify(c).slice(0, 200)}`);
    }
  }
  return json.cases;
}

export function categoryOf(id: string): number {
  return Number(id.split('.')[0]);
}

/** Sort key for ids like 6.10.2 (numeric per component). */
export function compareIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

const encoder = new TextEncoder();
const TRUNCATION = ' ...';

/** A reference payload string as rendered by the suite: text as is, binary as 0x-hex. */
export interface DecodedPayload {
  data: Uint8Array | null;
  /** The suite truncates long payloads ("**** ..."): the prefix that was kept. */
  truncatedPrefix: string | null;
}

export function decodePayload(rendered: string, binary: boolean): DecodedPayload {
  if (rendered.endsWith(TRUNCATION)) return { data: null, truncatedPrefix: rendered.slice(0, -TRUNCATION.length) };
  if (binary || /^0x([0-9a-f]{2})*$/i.test(rendered)) {
    if (rendered === '') return { data: new Uint8Array(0), truncatedPrefix: null };
    if (/^0x([0-9a-f]{2})*$/i.test(rendered)) return { data: fromHex(rendered), truncatedPrefix: null };
  }
  return { data: encoder.encode(rendered), truncatedPrefix: null };
}

/** How the suite would render `data` (used to check a truncated prefix against our full payload). */
export function renderLikeReference(data: Uint8Array, binary: boolean): string {
  if (binary) return `0x${Buffer.from(data).toString('hex')}`;
  return new TextDecoder().decode(data);
}

/**
 * Turns the reference's raw events into matchers. Truncated payloads are replaced by
 * `full` after checking that the kept prefix agrees with it; without `full` they throw.
 */
export function decodeExpected(ref: ReferenceCase, full?: Uint8Array): Record<string, ExpectedEvent[]> {
  const out: Record<string, ExpectedEvent[]> = {};
  for (const [gradeName, seq] of Object.entries(ref.expected)) {
    out[gradeName] = seq.map((raw) => {
      const [type, payload, isBinary] = raw as [string, unknown, unknown];
      if (type === 'timeout') return { type: 'timeout', tag: String(payload) };
      if (type !== 'message' && type !== 'pong' && type !== 'ping') {
        throw new Error(`case ${ref.id}: unknown expected event type ${JSON.stringify(type)}`);
      }
      const binary = type === 'message' ? isBinary === true : true;
      const decoded = decodePayload(String(payload), binary && type === 'message');
      let data = decoded.data;
      if (data === null) {
        if (!full) throw new Error(`case ${ref.id}: reference payload is truncated and the case gives no full payload`);
        const rendered = renderLikeReference(full, type === 'message' ? binary : !isUtf8Text(full));
        if (!rendered.startsWith(decoded.truncatedPrefix ?? '')) {
          throw new Error(
            `case ${ref.id}: derived payload ${rendered.slice(0, 40)}... disagrees with the reference ${decoded.truncatedPrefix?.slice(0, 40)}...`,
          );
        }
        data = full;
      }
      return type === 'message' ? { type, data, binary } : { type, data };
    });
  }
  return out;
}

function isUtf8Text(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
