// Extracts the payloads of Autobahn|Testsuite cases 6.* (UTF-8 handling) into
// test/fixtures/autobahn-6.json. Run once, commit the output:
//
//   node scripts/extract-autobahn-fixtures.mjs [path/to/autobahn-cases.json]
//
// `valid` comes from the case's own expectation text (echoed = valid, connection
// failed = invalid). `failOffset` comes from an oracle independent of this
// package: the WHATWG decoder (TextDecoder, fatal, streaming) fed ever longer
// prefixes; it throws on the first prefix that no continuation could make valid.
// -1 = valid; payload length = valid prefix that stops inside a sequence.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The suite's case list, committed with the conformance tooling.
const source = resolve(process.argv[2] ?? resolve(here, '../../../tooling/conformance/data/autobahn-cases.json'));
const target = resolve(here, '../test/fixtures/autobahn-6.json');

const { suite, cases } = JSON.parse(readFileSync(source, 'utf8'));

const isHex = (s) => /^(?:[0-9a-f]{2})*$/i.test(s);
const toBytes = (hex) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
const toHex = (bytes) => Buffer.from(bytes).toString('hex');

function failOffset(bytes) {
  for (let k = 0; k < bytes.length; k++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, k + 1), { stream: true });
    } catch {
      return k;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return -1;
  } catch {
    return bytes.length;
  }
}

/** Returns { parts } (hex strings, in the order the case sends them). */
function payloadOf(c) {
  const text = c.description;
  // "PART1 = cebae1...\n\nPART2 = 90\n\nPART3 =" (a part may be empty)
  const parts = [...text.matchAll(/^PART\d+ =[ \t]*([0-9a-f]*)[ \t]*$/gim)].map((m) => m[1]);
  if (parts.length > 0) return { parts };
  // "MESSAGE FRAGMENT 1:\n<text>\n<hex>\n\nMESSAGE FRAGMENT 2:\n<text>\n<hex>"
  const fragments = [...text.matchAll(/MESSAGE FRAGMENT \d+:\n[^\n]*\n([0-9a-f]*)/gi)].map((m) => m[1]);
  if (fragments.length > 0) return { parts: fragments };
  // "MESSAGE:\n<text>\n<hex>" or "MESSAGE:\n<hex>"
  const message = /MESSAGE:\n(?:[^\n]*\n)?([0-9a-f]+)\s*$/i.exec(text);
  if (message) return { parts: [message[1]] };
  // "Payload: 0x<hex>"
  const payload = /Payload: 0x([0-9a-f]*)/i.exec(text);
  if (payload) return { parts: [payload[1]] };
  // 6.1.x carry no hex: the payload is the text the suite expects echoed back.
  const echoed = c.expected.OK?.find((event) => event[0] === 'message');
  if (echoed) return { parts: [toHex(new TextEncoder().encode(echoed[1]))] };
  throw new Error(`case ${c.id}: no payload found in its description`);
}

function validityOf(c) {
  const expectation = c.expectation.toLowerCase();
  if (expectation.includes("echo'ed")) return true;
  if (expectation.includes('failed') || expectation.includes('rejected')) return false;
  throw new Error(`case ${c.id}: cannot tell valid from invalid in "${c.expectation}"`);
}

const fixtures = [];
for (const c of cases) {
  if (!c.id.startsWith('6.')) continue;
  const { parts } = payloadOf(c);
  for (const part of parts) if (!isHex(part)) throw new Error(`case ${c.id}: bad hex ${part}`);
  const hex = parts.join('');
  const valid = validityOf(c);
  const offset = failOffset(toBytes(hex));
  // The expectation text and the decoder must agree, or the fixture is wrong.
  if (valid !== (offset === -1)) throw new Error(`case ${c.id}: expectation says valid=${valid}, decoder ${offset}`);
  const expectedClose = c.expectedClose.closeCode;
  if (!valid && !expectedClose.includes(1007)) throw new Error(`case ${c.id}: invalid but not closed with 1007`);
  const fixture = { id: c.id, hex, valid, failOffset: offset };
  if (parts.length > 1) fixture.parts = parts;
  if (/fragments of 1 octet/i.test(c.description)) fixture.oneOctetFragments = true;
  fixtures.push(fixture);
}

writeFileSync(target, `${JSON.stringify({ source: suite, cases: fixtures }, null, 2)}\n`);
console.log(`wrote ${fixtures.length} cases to ${target}`);
