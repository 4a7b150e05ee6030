// Masking throughput against memory bandwidth (issue 18): MB/s of @websock/frame's XOR kernel,
// in place and from one buffer into another (what the parser does with a payload spanning socket
// reads), beside TypedArray.set and Buffer.copy of the same sizes; then the whole receive of one
// masked frame arriving in 64 KiB socket reads (gather + unmask + allocation), with the parser's
// default allocator and with Buffer.allocUnsafe (what @websock/node passes). Standalone and
// bounded (under a minute); figures only.
//
//   npx --yes pnpm@10.34.8 --filter @websock/bench exec tsup
//   node apps/bench/dist/micro/mask.js

import { applyMask, encodeFrame, FrameParser, maskInto, Opcode } from '@websock/frame';

const SIZES = [16 * 1024, 256 * 1024, 1024 * 1024, 8 * 1024 * 1024];
const KEY = Uint8Array.of(0x78, 0x56, 0x34, 0x12);
const ROUNDS = 9;

/** Best time of one call, in ms, over ROUNDS rounds of about 40 ms each. */
function best(body: () => void): number {
  let iterations = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) body();
    if (performance.now() - start > 40) break;
    iterations *= 2;
  }
  let fastest = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) body();
    fastest = Math.min(fastest, (performance.now() - start) / iterations);
  }
  return fastest;
}

const READ_SIZE = 64 * 1024;

const rows: string[] = [];
for (const size of SIZES) {
  const source = Buffer.allocUnsafeSlow(size).fill(7);
  const target = Buffer.allocUnsafeSlow(size);
  const cases: Array<[string, () => void]> = [
    ['TypedArray.prototype.set (memory bandwidth)', () => target.set(source)],
    ['Buffer.prototype.copy', () => source.copy(target)],
    ['maskInto: XOR from one buffer into another', () => maskInto(source, KEY, target, 0)],
    ['applyMask: XOR in place', () => applyMask(target, KEY)],
  ];
  // A server receiving one masked frame of `size` bytes in socket reads of 64 KiB (fresh copies each
  // time: the parser unmasks in place, and a socket never hands the same buffer twice).
  const wire = Buffer.concat(encodeFrame(Opcode.Binary, Buffer.alloc(size, 0x61), { mask: KEY }));
  const reads: Buffer[] = [];
  for (let at = 0; at < wire.length; at += READ_SIZE) reads.push(wire.subarray(at, at + READ_SIZE));
  const receive = (allocate?: (length: number) => Uint8Array) => () => {
    const parser = new FrameParser({ role: 'server', allocate });
    let frame = null;
    for (const read of reads) {
      parser.push(Buffer.from(read));
      frame = parser.next();
    }
    if (frame === null || frame.payload.length !== size) throw new Error('frame not parsed');
  };
  const copyReads = () => {
    for (const read of reads) Buffer.from(read);
  };
  cases.push(
    ['(copying the 64 KiB reads alone, included below)', copyReads],
    ['receive in 64 KiB reads, default allocate', receive()],
    ['receive in 64 KiB reads, Buffer.allocUnsafe', receive((length) => Buffer.allocUnsafe(length))],
  );
  for (const [label, body] of cases) {
    const ms = best(body);
    rows.push(`| ${label} | ${size / 1024} KiB | ${(ms * 1000).toFixed(1)} | ${Math.round(size / 1e3 / ms)} |`);
  }
}
console.log(`# Masking vs memory bandwidth (Node ${process.version}, ${process.arch}; best of ${ROUNDS} rounds)\n`);
console.log('| operation | size | µs | MB/s |\n| --- | ---: | ---: | ---: |');
console.log(rows.join('\n'));
