/**
 * Payload corpora for categories 12 and 13. The official suite slices its messages from
 * five data files (a JSON file, a 512x512 bitmap, Goethe's Faust, an HTML file, a PDF)
 * that are not part of the reference list, so these are deterministic stand-ins of the
 * same kind, size and message type: text corpora are ASCII (any slice is valid UTF-8, as
 * with the originals), the binary ones range from smooth image data to the near-random
 * streams of a PDF, which barely compress.
 */

export interface Corpus {
  /** Sub-category the suite uses it for (12.1-12.5; 13.x all use the JSON one). */
  readonly key: 'json' | 'bitmap' | 'faust' | 'html' | 'pdf';
  readonly description: string;
  /** Sent as binary messages (the suite sends Faust as binary too). */
  readonly binary: boolean;
  readonly size: number;
}

/** In the order of the official sub-categories 12.1 to 12.5. */
export const CORPORA: readonly Corpus[] = [
  { key: 'json', description: 'Large JSON data file (utf8, 194056 bytes)', binary: false, size: 194_056 },
  { key: 'bitmap', description: 'Bitmap 512x512 8-bit grey (binary, 263222 bytes)', binary: true, size: 263_222 },
  { key: 'faust', description: 'Human readable German text (binary, 222218 bytes)', binary: true, size: 222_218 },
  { key: 'html', description: 'Large HTML file (utf8, 83127 bytes)', binary: false, size: 83_127 },
  { key: 'pdf', description: 'A larger PDF (binary, 1042328 bytes)', binary: true, size: 1_042_328 },
];

/** Small deterministic PRNG (mulberry32): the corpora are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();

function fit(parts: string[], size: number): Uint8Array {
  const bytes = enc.encode(parts.join(''));
  if (bytes.length < size) throw new Error(`corpus generator produced ${bytes.length} bytes, want ${size}`);
  return bytes.slice(0, size);
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

const WORDS = [
  'alpha',
  'bravo',
  'delta',
  'socket',
  'frame',
  'message',
  'deflate',
  'window',
  'server',
  'client',
  'stream',
  'buffer',
  'payload',
  'context',
  'header',
  'token',
];

function json(size: number): Uint8Array {
  const r = rng(12_1);
  const parts: string[] = ['{"items":['];
  let length = parts[0]?.length ?? 0;
  for (let i = 0; length < size + 1024; i++) {
    const tags = Array.from({ length: 1 + Math.floor(r() * 4) }, () => `"${pick(r, WORDS)}"`).join(',');
    const item =
      `${i ? ',' : ''}\n  {"id":${i},"guid":"${Math.floor(r() * 0xffffffff).toString(16)}-${i.toString(36)}",` +
      `"name":"${pick(r, WORDS)} ${pick(r, WORDS)}","active":${r() < 0.5},"score":${(r() * 1000).toFixed(3)},` +
      `"tags":[${tags}],"geo":{"lat":${(r() * 180 - 90).toFixed(5)},"lon":${(r() * 360 - 180).toFixed(5)}},` +
      `"note":"${pick(r, WORDS)} \\"quoted\\" \\u00e9 ${'x'.repeat(Math.floor(r() * 20))}"}`;
    parts.push(item);
    length += item.length;
  }
  return fit(parts, size);
}

function bitmap(size: number): Uint8Array {
  const width = 512;
  const height = 512;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  // BITMAPFILEHEADER + BITMAPINFOHEADER, 8 bits per pixel, 256-entry grey palette.
  out[0] = 0x42;
  out[1] = 0x4d;
  dv.setUint32(2, size, true);
  dv.setUint32(10, 54 + 1024, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, width, true);
  dv.setInt32(22, height, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 8, true);
  dv.setUint32(34, width * height, true);
  dv.setUint32(46, 256, true);
  for (let i = 0; i < 256; i++) {
    out[54 + i * 4] = i;
    out[55 + i * 4] = i;
    out[56 + i * 4] = i;
  }
  const r = rng(12_2);
  let p = 54 + 1024;
  for (let y = 0; y < height && p < size; y++) {
    for (let x = 0; x < width && p < size; x++) {
      const v = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + 40 * Math.sin((x + y) / 71) + (r() - 0.5) * 24;
      out[p++] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}

const GERMAN = [
  'Habe',
  'nun,',
  'ach!',
  'Philosophie,',
  'Juristerei',
  'und',
  'Medizin,',
  'Und',
  'leider',
  'auch',
  'Theologie',
  'Durchaus',
  'studiert,',
  'mit',
  'heißem',
  'Bemühn.',
  'Da',
  'steh',
  'ich',
  'nun,',
  'ich',
  'armer',
  'Tor!',
  'Und',
  'bin',
  'so',
  'klug',
  'als',
  'wie',
  'zuvor;',
  'Geister',
  'über',
  'Blüten',
  'Schönheit',
  'größer',
  'Mephistopheles.',
  'FAUST.',
];

function faust(size: number): Uint8Array {
  const r = rng(12_3);
  const parts: string[] = ['The Project Gutenberg EBook of Faust: Der Tragödie erster Teil\r\n\r\n'];
  let length = 0;
  while (length < size + 256) {
    const speaker = r() < 0.15 ? `\r\n${pick(r, ['FAUST', 'MEPHISTOPHELES', 'WAGNER', 'MARGARETE'])}:\r\n` : '';
    const words = Array.from({ length: 4 + Math.floor(r() * 6) }, () => pick(r, GERMAN)).join(' ');
    const line = `${speaker}${words}\r\n`;
    parts.push(line);
    length += line.length; // UTF-16 units: never more than the UTF-8 bytes
  }
  return fit(parts, size);
}

function html(size: number): Uint8Array {
  const r = rng(12_4);
  const parts: string[] = [
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Data</title></head>\n<body>\n',
  ];
  let length = 0;
  for (let i = 0; length < size + 1024; i++) {
    const row =
      `<div class="row ${pick(r, WORDS)}" id="r${i}">\n  <a href="/${pick(r, WORDS)}/${i}?q=${Math.floor(r() * 1e6)}">` +
      `${pick(r, WORDS)} ${pick(r, WORDS)}</a>\n  <span style="color:#${Math.floor(r() * 0xffffff)
        .toString(16)
        .padStart(
          6,
          '0',
        )}">${(r() * 100).toFixed(2)}&nbsp;%</span>\n  <p>${Array.from({ length: 5 + Math.floor(r() * 12) }, () => pick(r, WORDS)).join(' ')}</p>\n</div>\n`;
    parts.push(row);
    length += row.length;
  }
  return fit(parts, size);
}

function pdf(size: number): Uint8Array {
  const r = rng(12_5);
  const out = new Uint8Array(size);
  let p = 0;
  const put = (s: string) => {
    if (p >= size) return;
    const b = enc.encode(s);
    out.set(b.subarray(0, Math.max(0, size - p)), p);
    p += b.length;
  };
  put('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  for (let obj = 1; p < size; obj++) {
    const len = 2000 + Math.floor(r() * 30_000);
    put(`${obj} 0 obj\n<< /Length ${len} /Filter /FlateDecode >>\nstream\n`);
    // Already-compressed content: near-random bytes.
    for (let i = 0; i < len && p < size; i++) out[p++] = Math.floor(r() * 256);
    put(`\nendstream\nendobj\n${obj + 1000} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\n`);
  }
  return out;
}

const GENERATORS: Record<Corpus['key'], (size: number) => Uint8Array> = { json, bitmap, faust, html, pdf };

/** Longest message the corpora serve (the suite's largest is 128 KiB). */
export const MAX_CORPUS_SLICE = 256 * 1024;

export interface CorpusData {
  corpus: Corpus;
  /** The corpus followed by its own start again, so every wrapped slice is contiguous. */
  bytes: Uint8Array;
}

const cache = new Map<string, CorpusData>();

/** The corpus, extended by MAX_CORPUS_SLICE bytes of its beginning (generated once per process). */
export function corpusData(key: Corpus['key']): CorpusData {
  const cached = cache.get(key);
  if (cached) return cached;
  const corpus = CORPORA.find((c) => c.key === key);
  if (!corpus) throw new Error(`no corpus ${key}`);
  const base = GENERATORS[key](corpus.size);
  const extended = new Uint8Array(base.length + MAX_CORPUS_SLICE);
  for (let o = 0; o < extended.length; o += base.length) {
    extended.set(base.subarray(0, Math.min(base.length, extended.length - o)), o);
  }
  const data = { corpus, bytes: extended };
  cache.set(key, data);
  return data;
}

/**
 * The messages the suite sends: consecutive slices of `size` bytes, wrapping around at
 * the end of the corpus (its `payloadRXPtr` walk). Views, not copies.
 */
export function corpusMessages(key: Corpus['key'], size: number, count: number): Uint8Array[] {
  if (size > MAX_CORPUS_SLICE) throw new RangeError(`messages of ${size} bytes exceed ${MAX_CORPUS_SLICE}`);
  const { corpus, bytes } = corpusData(key);
  const out: Uint8Array[] = [];
  let ptr = 0;
  for (let i = 0; i < count; i++) {
    out.push(bytes.subarray(ptr, ptr + size));
    ptr = (ptr + size) % corpus.size;
  }
  return out;
}
