// An independent frame writer and reader for the tests: the oracle must not be the
// code under test, so this does not use @websock/frame.

export interface FrameSpec {
  fin?: boolean;
  rsv?: number;
  mask?: boolean;
}

const encoder = new TextEncoder();

export function bytes(data: string | Uint8Array | number[]): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  return data instanceof Uint8Array ? data : Uint8Array.from(data);
}

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Builds one frame; masked by default (as a client sends). */
export function frame(opcode: number, payload: string | Uint8Array | number[] = '', spec: FrameSpec = {}): Uint8Array {
  const data = bytes(payload);
  const { fin = true, rsv = 0, mask = true } = spec;
  const length = data.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = new Uint8Array(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  header[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  const view = new DataView(header.buffer);
  if (lengthBytes === 2) view.setUint16(2, length);
  if (lengthBytes === 8) view.setBigUint64(2, BigInt(length));
  const key = [0x37, 0xfa, 0x21, 0x3d];
  if (mask) header.set(key, 2 + lengthBytes);
  const body = new Uint8Array(length);
  for (let i = 0; i < length; i++) body[i] = (data[i] as number) ^ (mask ? (key[i & 3] as number) : 0);
  return concat(header, body);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export interface ReadFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
}

/** Reads every whole frame in `data` (unmasking masked ones). */
export function readFrames(data: Uint8Array): ReadFrame[] {
  const frames: ReadFrame[] = [];
  let offset = 0;
  while (offset < data.length) {
    const b0 = data[offset] as number;
    const b1 = data[offset + 1] as number;
    let length = b1 & 0x7f;
    let position = offset + 2;
    const view = new DataView(data.buffer, data.byteOffset);
    if (length === 126) {
      length = view.getUint16(position);
      position += 2;
    } else if (length === 127) {
      length = Number(view.getBigUint64(position));
      position += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? data.slice(position, position + 4) : null;
    if (masked) position += 4;
    const payload = data.slice(position, position + length);
    if (key) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number);
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload });
    offset = position + length;
  }
  return frames;
}

export function closeCodeOf(payload: Uint8Array): number | undefined {
  return payload.length >= 2 ? ((payload[0] as number) << 8) | (payload[1] as number) : undefined;
}
