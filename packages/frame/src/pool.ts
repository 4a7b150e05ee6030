// Small masked payload copies are carved out of a shared slab, the way Node's
// Buffer.allocUnsafe pools small Buffers: a fresh typed array larger than 64 bytes
// costs a backing-store allocation, zero fill and GC bookkeeping (about 4x the cost of a
// slab view at 125 bytes to 1 KiB on V8). Every region is handed out once and written
// completely before the caller sees it; the slab holds nothing but such copies.

const SLAB_SIZE = 16 * 1024;
/** Larger buffers get their own allocation. */
export const POOL_MAX = 4096;

let slab = new Uint8Array(0);
let slabOffset = 0;

/**
 * A buffer of `length` bytes whose contents are undefined (the caller overwrites all of
 * it). Up to POOL_MAX bytes it is a view into a shared slab, so its `.buffer` is
 * shared too.
 */
export function allocPooled(length: number): Uint8Array {
  if (length > POOL_MAX) return new Uint8Array(length);
  if (slabOffset + length > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabOffset = 0;
  }
  const view = slab.subarray(slabOffset, slabOffset + length);
  // Keep every view 8-byte aligned.
  slabOffset = (slabOffset + length + 7) & ~7;
  return view;
}
