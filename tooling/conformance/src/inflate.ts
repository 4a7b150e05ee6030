/**
 * An independent raw DEFLATE decoder (RFC 1951), written for the oracle rather than for
 * speed. zlib decodes what a server sends just as well; this one exists to see what zlib
 * does not report: the longest back-reference a server used (is it inside the window it
 * negotiated, RFC 7692 §7.1.2.1?), references reaching before the start of a message when
 * context takeover was ruled out (§7.1.1.1), where the stream ends (a message must end on
 * a block boundary, §7.2.1), and final blocks (§7.2.3.4).
 *
 * A preset `window` stands for the LZ77 history a context-takeover stream carries from
 * earlier messages: back-references may reach into it, and nowhere else.
 */

export const InflateErrorCode = {
  /** The data ran out inside a block: the message does not end on a block boundary. */
  Truncated: 'DEFLATE_TRUNCATED',
  /** A back-reference reaches before the start of the available history. */
  DistanceTooFar: 'DEFLATE_DISTANCE_TOO_FAR',
  /** Anything else RFC 1951 rules out (bad block type, code, lengths...). */
  Invalid: 'DEFLATE_INVALID',
  /** More output than the caller allowed. */
  TooLarge: 'DEFLATE_TOO_LARGE',
} as const;
export type InflateErrorCode = (typeof InflateErrorCode)[keyof typeof InflateErrorCode];

export class InflateError extends Error {
  readonly code: InflateErrorCode;
  constructor(code: InflateErrorCode, message: string) {
    super(message);
    this.name = 'InflateError';
    this.code = code;
  }
}

export interface InflateResult {
  /** The decompressed bytes (without the preset window). */
  output: Uint8Array;
  /** Longest back-reference distance used (0 when there was none). */
  maxDistance: number;
  /** Back-references that reached into the preset window (before the start of `output`). */
  windowReferences: number;
  blocks: { stored: number; fixed: number; dynamic: number };
  /** A block had BFINAL set; decoding stopped after it. */
  finalBlock: boolean;
  /** Bytes left after the final block (0 without one). */
  trailing: Uint8Array;
}

export interface InflateOptions {
  /** History preceding this data (context takeover). */
  window?: Uint8Array;
  /** Fail with DEFLATE_TOO_LARGE past this many output bytes. */
  maxOutput?: number;
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** Order of the code length code lengths in a dynamic block header (RFC 1951 §3.2.7). */
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Codes up to this many bits decode with one table lookup; longer (rare) ones bit by bit. */
const PRIMARY_BITS = 10;

/**
 * A canonical Huffman code: a lookup table indexed by the next `bits` input bits (LSB
 * first, as DEFLATE packs them), entry = symbol << 4 | code length, 0 = no code that
 * short; plus the per-length counts and symbols in code order for codes longer than
 * `bits` (decoded bit by bit, RFC 1951 §3.2.2).
 */
interface Huffman {
  table: Uint32Array;
  bits: number;
  maxLen: number;
  count: Uint16Array;
  symbols: Uint16Array;
}

function buildHuffman(lengths: ArrayLike<number>, what: string, allowIncomplete: boolean): Huffman {
  const count = new Uint16Array(16);
  let maxLen = 0;
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s] as number;
    count[l] = (count[l] as number) + 1;
    if (l > maxLen) maxLen = l;
  }
  count[0] = 0;
  // Kraft inequality: an over-subscribed set has no prefix code; an incomplete one leaves
  // bit patterns undecodable, which zlib (and we) allow only for a single 1-bit code.
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = left * 2 - (count[len] as number);
    if (left < 0) throw new InflateError(InflateErrorCode.Invalid, `over-subscribed ${what} code`);
  }
  if (left > 0 && maxLen > 0 && !(allowIncomplete && maxLen === 1)) {
    throw new InflateError(InflateErrorCode.Invalid, `incomplete ${what} code`);
  }
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offsets[len + 1] = (offsets[len] as number) + (count[len] as number);
  const symbols = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s] as number;
    if (len === 0) continue;
    const at = offsets[len] as number;
    symbols[at] = s;
    offsets[len] = at + 1;
  }
  const bits = Math.max(1, Math.min(PRIMARY_BITS, maxLen));
  const table = new Uint32Array(1 << bits);
  let code = 0;
  let index = 0;
  for (let len = 1; len <= bits; len++) {
    for (let k = 0; k < (count[len] as number); k++) {
      const sym = symbols[index++] as number;
      let reversed = 0;
      for (let i = 0; i < len; i++) reversed |= ((code >> i) & 1) << (len - 1 - i);
      for (let i = reversed; i < table.length; i += 1 << len) table[i] = (sym << 4) | len;
      code++;
    }
    code <<= 1;
  }
  return { table, bits, maxLen, count, symbols };
}

let fixedCodes: { lit: Huffman; dist: Huffman } | undefined;

function fixed(): { lit: Huffman; dist: Huffman } {
  if (!fixedCodes) {
    const lit = new Array<number>(288);
    for (let s = 0; s < 288; s++) lit[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    fixedCodes = {
      lit: buildHuffman(lit, 'fixed literal/length', false),
      // 32 codes of 5 bits make the code complete; symbols 30 and 31 are rejected when decoded.
      dist: buildHuffman(new Array<number>(32).fill(5), 'fixed distance', false),
    };
  }
  return fixedCodes;
}

class Decoder {
  private pos = 0;
  private bitBuf = 0;
  private bitCnt = 0;
  out: Uint8Array;
  outPos: number;
  readonly start: number;
  maxDistance = 0;
  windowReferences = 0;

  constructor(
    private readonly input: Uint8Array,
    window: Uint8Array,
    private readonly maxOutput: number,
  ) {
    this.start = window.length;
    this.out = new Uint8Array(window.length + Math.max(1024, input.length * 4));
    this.out.set(window);
    this.outPos = window.length;
  }

  /** Unread bits: what is left in the bit buffer plus the bytes not loaded yet. */
  get remainingBits(): number {
    return this.bitCnt + (this.input.length - this.pos) * 8;
  }

  /** Offset of the first byte not consumed yet (call at a byte boundary). */
  get unreadOffset(): number {
    return this.pos - (this.bitCnt >> 3);
  }

  private need(n: number): void {
    while (this.bitCnt < n) {
      if (this.pos >= this.input.length) {
        throw new InflateError(
          InflateErrorCode.Truncated,
          'the data ends inside a DEFLATE block (the message does not end on a block boundary)',
        );
      }
      this.bitBuf |= (this.input[this.pos++] as number) << this.bitCnt;
      this.bitCnt += 8;
    }
  }

  bits(n: number): number {
    if (n === 0) return 0;
    this.need(n);
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCnt -= n;
    return v;
  }

  decode(h: Huffman, what: string): number {
    // Load as many bits as the longest code, or whatever is left: a short code may still fit.
    while (this.bitCnt < h.maxLen && this.pos < this.input.length) {
      this.bitBuf |= (this.input[this.pos++] as number) << this.bitCnt;
      this.bitCnt += 8;
    }
    const entry = h.table[this.bitBuf & ((1 << h.bits) - 1)] as number;
    const len = entry & 15;
    if (len !== 0) {
      if (len > this.bitCnt) this.need(len);
      this.bitBuf >>>= len;
      this.bitCnt -= len;
      return entry >>> 4;
    }
    // Longer than the table: walk the canonical code one bit at a time (codes are sent
    // most significant bit first), past the lengths the table already covers.
    let code = 0;
    let first = 0;
    let index = 0;
    for (let l = 1; l <= h.maxLen; l++) {
      if (l > this.bitCnt) this.need(l);
      code |= (this.bitBuf >>> (l - 1)) & 1;
      const n = h.count[l] as number;
      if (code - first < n) {
        this.bitBuf >>>= l;
        this.bitCnt -= l;
        return h.symbols[index + code - first] as number;
      }
      index += n;
      first = (first + n) << 1;
      code <<= 1;
    }
    throw new InflateError(InflateErrorCode.Invalid, `invalid ${what} code`);
  }

  /** Drops the bits up to the next byte boundary (stored blocks start there). */
  alignToByte(): void {
    const drop = this.bitCnt & 7;
    this.bitBuf >>>= drop;
    this.bitCnt -= drop;
  }

  private reserve(n: number): void {
    const want = this.outPos + n;
    if (want - this.start > this.maxOutput) {
      throw new InflateError(InflateErrorCode.TooLarge, `output exceeds ${this.maxOutput} bytes`);
    }
    if (want <= this.out.length) return;
    const grown = new Uint8Array(Math.max(want, this.out.length * 2));
    grown.set(this.out.subarray(0, this.outPos));
    this.out = grown;
  }

  stored(): void {
    this.alignToByte();
    const len = this.bits(16);
    const nlen = this.bits(16);
    if ((len ^ 0xffff) !== nlen) {
      throw new InflateError(InflateErrorCode.Invalid, `stored block LEN ${len} does not match NLEN ${nlen}`);
    }
    this.reserve(len);
    // After alignment and two 16-bit reads the bit buffer is empty, so copy whole bytes.
    if (this.pos + len > this.input.length) {
      throw new InflateError(InflateErrorCode.Truncated, 'the data ends inside a stored block');
    }
    this.out.set(this.input.subarray(this.pos, this.pos + len), this.outPos);
    this.pos += len;
    this.outPos += len;
  }

  huffman(lit: Huffman, dist: Huffman): void {
    const input = this.input;
    const litTable = lit.table;
    const litMask = (1 << lit.bits) - 1;
    for (;;) {
      // Fast path for literals: a table hit with the bits already loaded.
      while (this.bitCnt < 15 && this.pos < input.length) {
        this.bitBuf |= (input[this.pos++] as number) << this.bitCnt;
        this.bitCnt += 8;
      }
      const entry = litTable[this.bitBuf & litMask] as number;
      const entryLen = entry & 15;
      let sym: number;
      if (entryLen !== 0 && entryLen <= this.bitCnt) {
        this.bitBuf >>>= entryLen;
        this.bitCnt -= entryLen;
        sym = entry >>> 4;
      } else sym = this.decode(lit, 'literal/length');
      if (sym < 256) {
        if (this.outPos >= this.out.length || this.outPos - this.start >= this.maxOutput) this.reserve(1);
        this.out[this.outPos++] = sym;
        continue;
      }
      if (sym === 256) return;
      const li = sym - 257;
      if (li >= 29) throw new InflateError(InflateErrorCode.Invalid, `invalid length symbol ${sym}`);
      const length = (LENGTH_BASE[li] as number) + this.bits(LENGTH_EXTRA[li] as number);
      const dsym = this.decode(dist, 'distance');
      if (dsym >= 30) throw new InflateError(InflateErrorCode.Invalid, `invalid distance symbol ${dsym}`);
      const distance = (DIST_BASE[dsym] as number) + this.bits(DIST_EXTRA[dsym] as number);
      if (distance > this.outPos) {
        throw new InflateError(
          InflateErrorCode.DistanceTooFar,
          `back-reference of ${distance} bytes reaches ${distance - (this.outPos - this.start)} bytes before the ` +
            `message, beyond the ${this.start} bytes of history available`,
        );
      }
      if (distance > this.maxDistance) this.maxDistance = distance;
      if (distance > this.outPos - this.start) this.windowReferences++;
      this.reserve(length);
      const out = this.out;
      let to = this.outPos;
      const from = to - distance;
      // copyWithin only pays off for long copies; overlapping ones must go byte by byte.
      if (distance >= length && length > 64) out.copyWithin(to, from, from + length);
      else for (let i = 0; i < length; i++, to++) out[to] = out[to - distance] as number;
      this.outPos += length;
    }
  }

  dynamic(): { lit: Huffman; dist: Huffman } {
    const hlit = this.bits(5) + 257;
    const hdist = this.bits(5) + 1;
    const hclen = this.bits(4) + 4;
    if (hlit > 286) throw new InflateError(InflateErrorCode.Invalid, `HLIT ${hlit} exceeds 286`);
    if (hdist > 30) throw new InflateError(InflateErrorCode.Invalid, `HDIST ${hdist} exceeds 30`);
    const clLengths = new Array<number>(19).fill(0);
    for (let i = 0; i < hclen; i++) clLengths[CL_ORDER[i] as number] = this.bits(3);
    const cl = buildHuffman(clLengths, 'code length', false);
    const lengths = new Array<number>(hlit + hdist).fill(0);
    for (let i = 0; i < lengths.length; ) {
      const sym = this.decode(cl, 'code length');
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let repeat: number;
      let value = 0;
      if (sym === 16) {
        if (i === 0) throw new InflateError(InflateErrorCode.Invalid, 'repeat of a previous code length with none');
        value = lengths[i - 1] as number;
        repeat = 3 + this.bits(2);
      } else if (sym === 17) repeat = 3 + this.bits(3);
      else repeat = 11 + this.bits(7);
      if (i + repeat > lengths.length) {
        throw new InflateError(InflateErrorCode.Invalid, 'code length repeat runs past the end');
      }
      for (let r = 0; r < repeat; r++) lengths[i++] = value;
    }
    if (lengths[256] === 0) throw new InflateError(InflateErrorCode.Invalid, 'no end-of-block code');
    return {
      lit: buildHuffman(lengths.slice(0, hlit), 'literal/length', true),
      dist: buildHuffman(lengths.slice(hlit), 'distance', true),
    };
  }
}

/**
 * Decodes raw DEFLATE data block by block. Without a final block the data must end
 * exactly at a block boundary (only padding bits after it); after a final block the
 * remaining bytes are returned as `trailing` for the caller to judge.
 */
export function inflateRaw(input: Uint8Array, options: InflateOptions = {}): InflateResult {
  const d = new Decoder(input, options.window ?? new Uint8Array(0), options.maxOutput ?? Number.POSITIVE_INFINITY);
  const blocks = { stored: 0, fixed: 0, dynamic: 0 };
  let finalBlock = false;
  let trailing: Uint8Array = new Uint8Array(0);
  // A block boundary with fewer than 8 bits left means only padding remains.
  while (d.remainingBits >= 8 || blocks.stored + blocks.fixed + blocks.dynamic === 0) {
    const bfinal = d.bits(1);
    const btype = d.bits(2);
    if (btype === 0) {
      blocks.stored++;
      d.stored();
    } else if (btype === 1) {
      blocks.fixed++;
      const f = fixed();
      d.huffman(f.lit, f.dist);
    } else if (btype === 2) {
      blocks.dynamic++;
      const codes = d.dynamic();
      d.huffman(codes.lit, codes.dist);
    } else throw new InflateError(InflateErrorCode.Invalid, 'reserved block type 3');
    if (bfinal) {
      finalBlock = true;
      d.alignToByte();
      trailing = input.subarray(d.unreadOffset);
      break;
    }
  }
  return {
    output: d.out.slice(d.start, d.outPos),
    maxDistance: d.maxDistance,
    windowReferences: d.windowReferences,
    blocks,
    finalBlock,
    trailing,
  };
}
