// A 16-bytes-at-a-time XOR kernel in WebAssembly SIMD. Plain JavaScript tops out at
// one 32-bit word per step (about 3 GB/s on V8); v128.xor runs several times faster
// even after copying the data into the module's memory and back. The module is tiny,
// portable (Node, Deno, Bun, browsers, workers) and compiled lazily on first use;
// where WebAssembly or its SIMD proposal is missing (or a CSP forbids it), callers
// fall back to the JavaScript word loop.
//
// The module, in text form:
//   (module
//     (memory (export "m") 1)
//     (func (export "x") (param $p i32) (param $n i32) (param $k i32)
//       (local $end i32) (local $kv v128)
//       (local.set $end (i32.add (local.get $p) (local.get $n)))
//       (local.set $kv (i32x4.splat (local.get $k)))
//       (block (loop
//         (br_if 1 (i32.ge_u (local.get $p) (local.get $end)))
//         ;; four times, at offsets 0, 16, 32 and 48:
//         (v128.store offset=X (local.get $p)
//           (v128.xor (v128.load offset=X (local.get $p)) (local.get $kv)))
//         (local.set $p (i32.add (local.get $p) (i32.const 64)))
//         (br 0)))))
// It XORs whole 64-byte blocks, so it may touch up to 63 bytes past `n`: the caller
// copies at most SIMD_CHUNK bytes in (the memory has a page to spare past them) and copies back
// only the `n` it asked for.

function moduleBytes(): Uint8Array {
  // biome-ignore format: one instruction per line reads best
  const xorBlock = (offset: number): number[] => [
    0x20, 0x00, // local.get $p (store address)
    0x20, 0x00, // local.get $p (load address)
    0xfd, 0x00, 0x04, offset, // v128.load align=16 offset
    0x20, 0x04, // local.get $kv
    0xfd, 0x51, // v128.xor
    0xfd, 0x0b, 0x04, offset, // v128.store align=16 offset
  ];
  // biome-ignore format: one instruction per line reads best
  const body = [
    0x02, 0x01, 0x7f, 0x01, 0x7b, // locals: 1 x i32 ($end), 1 x v128 ($kv)
    0x20, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x03, // $end = $p + $n
    0x20, 0x02, 0xfd, 0x11, 0x21, 0x04, // $kv = i32x4.splat($k)
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0x00, 0x20, 0x03, 0x4f, 0x0d, 0x01, // br_if 1 ($p >= $end)
    ...xorBlock(0x00), ...xorBlock(0x10), ...xorBlock(0x20), ...xorBlock(0x30),
    0x20, 0x00, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x00, // $p += 64
    0x0c, 0x00, // br 0
    0x0b, 0x0b, 0x0b, // end loop, end block, end func
  ];
  // biome-ignore format: one section per line reads best
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // type: (i32, i32, i32) -> ()
    0x03, 0x02, 0x01, 0x00, // function 0 has type 0
    0x05, 0x03, 0x01, 0x00, 0x01, // memory: min 1 page (64 KiB), no max
    0x07, 0x09, 0x02, 0x01, 0x6d, 0x02, 0x00, 0x01, 0x78, 0x00, 0x00, // export "m" memory 0, "x" func 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // code
  ]);
}

/**
 * The most bytes handed to the module per call. Each call costs a fixed set-up (two views, the
 * boundary crossing), so fewer, larger calls win while the copy in, the XOR and the copy out
 * still stay in L2 cache: 64 KiB (a socket read's size) measured best from 16 KiB to 8 MiB
 * payloads, about 1.5x the throughput of 8 KiB calls at 1 MiB (apps/bench/results/large-latest.md).
 */
export const SIMD_CHUNK = 64 * 1024;
/** Module memory in 64 KiB pages: one chunk, plus room for the kernel's overrun past `n`. */
const MEMORY_PAGES = 2;

// The few WebAssembly JS API members used here: the project's lib settings (ES2022, no DOM)
// do not declare the WebAssembly global.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
  ) => {
    exports: { m: { buffer: ArrayBuffer; grow(pages: number): number }; x: XorBlocks };
  };
}
type XorBlocks = (ptr: number, length: number, keyWord: number) => void;

let status: 0 | 1 | 2 = 0; // 0 untried, 1 ready, 2 unavailable
let memory: Uint8Array = new Uint8Array(0);
let xorBlocks: XorBlocks = () => {};
// Views of the first n bytes of module memory, by n, to copy results out without
// allocating a view per call (worth ~25 ns on a 1 KiB payload). Bounded: lengths up to
// 4 KiB, and SIMD_CHUNK itself, about 100 bytes per distinct length actually used.
const VIEW_CACHE_MAX = 4096;
let fullChunkView: Uint8Array = new Uint8Array(0);
let views: Array<Uint8Array | undefined> = [];

/** Compiles the module on first call; false when this runtime cannot run it. */
export function simdAvailable(): boolean {
  if (status === 0) {
    status = 2;
    try {
      const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      if (wasm !== undefined) {
        const { exports } = new wasm.Instance(new wasm.Module(moduleBytes()));
        // The module declares one page; a whole chunk needs room past it for the last block.
        exports.m.grow(MEMORY_PAGES - 1);
        memory = new Uint8Array(exports.m.buffer);
        xorBlocks = exports.x;
        // Preallocated so the array keeps fast (non-dictionary) elements.
        views = new Array<Uint8Array | undefined>(VIEW_CACHE_MAX + 1).fill(undefined);
        fullChunkView = memory.subarray(0, SIMD_CHUNK);
        status = 1;
      }
    } catch {
      // No SIMD support or WebAssembly disallowed: the JavaScript path takes over.
    }
  }
  return status === 1;
}

/** Tests only: force the JavaScript fallback (false) or allow the module again (true). */
export function setSimdEnabledForTesting(enabled: boolean): void {
  if (!enabled) status = 2;
  else if (status === 2) status = 0;
}

/**
 * XORs `length` bytes of `src` from `srcStart` into `dst` from `dstStart` (the two may
 * be the same range) with the mask key word `keyWordLE`: the four key bytes, already
 * rotated to the phase of the first byte, read as a little-endian 32-bit integer
 * (WebAssembly memory is little-endian on every platform). Requires simdAvailable().
 */
export function xorSimd(
  src: Uint8Array,
  srcStart: number,
  dst: Uint8Array,
  dstStart: number,
  length: number,
  keyWordLE: number,
): void {
  const mem = memory;
  let done = 0;
  while (done < length) {
    const n = Math.min(length - done, SIMD_CHUNK);
    const s = srcStart + done;
    // Every chunk is a multiple of 4 bytes except the last, so the key word stays in phase.
    mem.set(s === 0 && n === src.length ? src : src.subarray(s, s + n), 0);
    xorBlocks(0, n, keyWordLE);
    let out: Uint8Array | undefined;
    if (n <= VIEW_CACHE_MAX) {
      out = views[n];
      if (out === undefined) {
        out = mem.subarray(0, n);
        views[n] = out;
      }
    } else {
      out = n === SIMD_CHUNK ? fullChunkView : mem.subarray(0, n);
    }
    dst.set(out, dstStart + done);
    done += n;
  }
}
