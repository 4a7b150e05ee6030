// A small, strict DEFLATE decoder (RFC 1951) written for the tests: an oracle independent of
// zlib that also reports how far back the stream reaches, to prove window-size compliance.

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

interface Huffman {
  count: number[];
  symbol: number[];
}

function huffman(lengths: number[]): Huffman {
  const count = new Array<number>(16).fill(0);
  for (const length of lengths) count[length]!++;
  const offsets = new Array<number>(16).fill(0);
  for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len]! + count[len]!;
  const symbol = new Array<number>(lengths.length).fill(0);
  lengths.forEach((length, sym) => {
    if (length !== 0) symbol[offsets[length]!++] = sym;
  });
  count[0] = 0;
  return { count, symbol };
}

const FIXED_LITERALS = huffman(Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8)));
const FIXED_DISTANCES = huffman(new Array<number>(30).fill(5));

export class StrictInflater {
  /** Largest back-reference distance seen so far. */
  maxDistance = 0;
  #history: Uint8Array = new Uint8Array(1 << 16);
  #historyLength = 0;
  #input: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #bitBuf = 0;
  #bitCount = 0;

  /**
   * Inflates one permessage-deflate payload (trailer appended here). With `windowBits` the
   * decoder fails on any reference beyond 2^windowBits bytes, like a peer with that window.
   * History carries over between calls unless `reset()`.
   */
  inflate(payload: Uint8Array, windowBits = 15): Uint8Array {
    this.#input = new Uint8Array(payload.length + 4);
    this.#input.set(payload);
    this.#input.set([0, 0, 0xff, 0xff], payload.length);
    this.#pos = 0;
    this.#bitBuf = 0;
    this.#bitCount = 0;
    const start = this.#historyLength;
    const window = 1 << windowBits;
    for (;;) {
      if (this.#pos >= this.#input.length && this.#bitCount < 3) break;
      const last = this.#bits(1);
      const type = this.#bits(2);
      if (type === 0) this.#stored();
      else if (type === 1) this.#codes(FIXED_LITERALS, FIXED_DISTANCES, window);
      else if (type === 2) this.#dynamic(window);
      else throw new Error('invalid block type');
      if (last === 1) break;
    }
    return this.#history.slice(start, this.#historyLength);
  }

  reset(): void {
    this.#historyLength = 0;
  }

  #bits(n: number): number {
    while (this.#bitCount < n) {
      if (this.#pos >= this.#input.length) throw new Error('unexpected end of input');
      this.#bitBuf |= this.#input[this.#pos++]! << this.#bitCount;
      this.#bitCount += 8;
    }
    const value = this.#bitBuf & ((1 << n) - 1);
    this.#bitBuf >>>= n;
    this.#bitCount -= n;
    return value;
  }

  #emit(byte: number): void {
    if (this.#historyLength === this.#history.length) {
      const grown = new Uint8Array(this.#history.length * 2);
      grown.set(this.#history);
      this.#history = grown;
    }
    this.#history[this.#historyLength++] = byte;
  }

  #stored(): void {
    this.#bitBuf = 0;
    this.#bitCount = 0;
    if (this.#pos + 4 > this.#input.length) throw new Error('unexpected end of input');
    const input = this.#input;
    const len = input[this.#pos]! | (input[this.#pos + 1]! << 8);
    const nlen = input[this.#pos + 2]! | (input[this.#pos + 3]! << 8);
    if (len !== (~nlen & 0xffff)) throw new Error('stored block length mismatch');
    this.#pos += 4;
    if (this.#pos + len > input.length) throw new Error('unexpected end of input');
    for (let i = 0; i < len; i++) this.#emit(input[this.#pos++]!);
  }

  #decode(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= 15; len++) {
      code |= this.#bits(1);
      const count = h.count[len]!;
      if (code - count < first) return h.symbol[index + (code - first)]!;
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    throw new Error('invalid Huffman code');
  }

  #codes(literals: Huffman, distances: Huffman, window: number): void {
    for (;;) {
      const symbol = this.#decode(literals);
      if (symbol < 256) {
        this.#emit(symbol);
      } else if (symbol === 256) {
        return;
      } else {
        const li = symbol - 257;
        if (li >= 29) throw new Error('invalid length symbol');
        const length = LENGTH_BASE[li]! + this.#bits(LENGTH_EXTRA[li]!);
        const di = this.#decode(distances);
        if (di >= 30) throw new Error('invalid distance symbol');
        const distance = DIST_BASE[di]! + this.#bits(DIST_EXTRA[di]!);
        if (distance > window) throw new Error(`distance ${distance} beyond the ${window}-byte window`);
        if (distance > this.#historyLength) throw new Error('distance too far back');
        this.maxDistance = Math.max(this.maxDistance, distance);
        for (let i = 0; i < length; i++) this.#emit(this.#history[this.#historyLength - distance]!);
      }
    }
  }

  #dynamic(window: number): void {
    const nlen = this.#bits(5) + 257;
    const ndist = this.#bits(5) + 1;
    const ncode = this.#bits(4) + 4;
    const codeLengths = new Array<number>(19).fill(0);
    for (let i = 0; i < ncode; i++) codeLengths[CODE_LENGTH_ORDER[i]!] = this.#bits(3);
    const lencode = huffman(codeLengths);
    const lengths: number[] = [];
    while (lengths.length < nlen + ndist) {
      const symbol = this.#decode(lencode);
      if (symbol < 16) {
        lengths.push(symbol);
      } else {
        let repeat: number;
        let value = 0;
        if (symbol === 16) {
          if (lengths.length === 0) throw new Error('repeat with no previous length');
          value = lengths[lengths.length - 1]!;
          repeat = 3 + this.#bits(2);
        } else if (symbol === 17) {
          repeat = 3 + this.#bits(3);
        } else {
          repeat = 11 + this.#bits(7);
        }
        for (let i = 0; i < repeat; i++) lengths.push(value);
      }
    }
    this.#codes(huffman(lengths.slice(0, nlen)), huffman(lengths.slice(nlen)), window);
  }
}
