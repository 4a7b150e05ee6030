// Builds test/fixtures/autobahn-7.json: the close-frame payloads of Autobahn|Testsuite
// category 7 (close handling) with the outcome each case expects. Run once:
//
//   node scripts/extract-autobahn-fixtures.mjs [path/to/autobahn-cases.json]
//
// The suite's case list describes the payloads in words ("close code 1004",
// "payload length 1", "close reason of maximum length (123)"), so the payload is
// rebuilt from the description; where the words leave the bytes open (which
// single byte, which reason text), a fixed stand-in is used and noted.
// Cases 7.1.x are about the order of frames around a close, not about a payload:
// they get the plain 1000 payload the suite sends and a note.
//
// Expected outcome, from the case's own expectedClose:
//   requireClean: true  -> the frame is valid: `valid: true`
//   requireClean: false -> the peer must fail the connection: `valid: false`
//   closeCode           -> the codes the suite accepts in our answering close frame
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The suite's case list, committed with the conformance tooling.
const source = resolve(process.argv[2] ?? resolve(here, '../../../tooling/conformance/data/autobahn-cases.json'));
const target = resolve(here, '../test/fixtures/autobahn-7.json');
const { suite, cases } = JSON.parse(readFileSync(source, 'utf8'));

const hexOfCode = (code) => code.toString(16).padStart(4, '0');
const hexOfText = (text) => Buffer.from(text, 'utf8').toString('hex');
// The invalid UTF-8 of case 6.3.1 ("κόσμε" + ED A0 80 + "edited"): a surrogate.
const INVALID_UTF8_HEX = 'cebae1bdb9cf83cebcceb5eda080656469746564';

function payloadOf(c) {
  const d = c.description;
  if (/payload length 0/.test(d)) return { hex: '' };
  if (/payload length 1\b/.test(d)) return { hex: hexOfText('a'), note: 'any single byte; 0x61 stands in' };
  if (/payload length 2/.test(d)) return { hex: hexOfCode(1000), code: 1000, reason: '' };
  if (/maximum length \(123\)/.test(d)) {
    return { hex: hexOfCode(1000) + hexOfText('*'.repeat(123)), code: 1000, reason: '*'.repeat(123) };
  }
  if (/too long \(124\)/.test(d)) return { hex: hexOfCode(1000) + hexOfText('*'.repeat(124)) };
  if (/invalid UTF8 payload/i.test(d)) return { hex: hexOfCode(1000) + INVALID_UTF8_HEX };
  if (/close code and close reason/.test(d)) {
    return {
      hex: hexOfCode(1000) + hexOfText('Hello World!'),
      code: 1000,
      reason: 'Hello World!',
      note: 'reason text stands in',
    };
  }
  const named = /close code (\d+)/.exec(d);
  if (named) return { hex: hexOfCode(Number(named[1])), code: Number(named[1]), reason: '' };
  if (c.id.startsWith('7.1.'))
    return { hex: hexOfCode(1000), code: 1000, reason: '', note: 'frame-order case: the payload is a plain 1000' };
  throw new Error(`case ${c.id}: cannot rebuild the payload from "${d}"`);
}

const fixtures = [];
for (const c of cases) {
  if (!c.id.startsWith('7.')) continue;
  const { hex, code, reason, note } = payloadOf(c);
  const { requireClean, closeCode } = c.expectedClose;
  const fixture = { id: c.id, description: c.description, hex, valid: requireClean, allowedCloseCodes: closeCode };
  if (requireClean) {
    // What the application is told: the code in the frame, or 1005 for an empty one.
    fixture.code = code ?? 1005;
    fixture.reason = reason ?? '';
  }
  if (note) fixture.note = note;
  fixtures.push(fixture);
}

writeFileSync(target, `${JSON.stringify({ source: suite, cases: fixtures }, null, 2)}\n`);
console.log(`wrote ${fixtures.length} cases to ${target}`);
