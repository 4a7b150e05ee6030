/** Frame opcodes defined by RFC 6455 §5.2 (the 4-bit field in the first header byte). */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/**
 * The three reserved bits as one 3-bit number, the value of `(byte0 >> 4) & 7`:
 * RSV1 is the most significant (permessage-deflate uses it), RSV3 the least.
 */
export const Rsv = {
  Rsv1: 0b100,
  Rsv2: 0b010,
  Rsv3: 0b001,
} as const;

/** The largest payload a control frame may carry (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD_LENGTH = 125;

/**
 * True for opcodes in the control range 0x8-0xF (RFC 6455 §5.5: the opcode's most
 * significant bit is set), which includes the reserved control opcodes 0xB-0xF.
 */
export function isControlOpcode(opcode: number): boolean {
  return opcode >= 0x8 && opcode <= 0xf;
}

/**
 * True for opcodes in the data range 0x0-0x7 (RFC 6455 §5.6: the most significant
 * bit is clear): continuation, text, binary and the reserved data opcodes 0x3-0x7.
 */
export function isDataOpcode(opcode: number): boolean {
  return opcode >= 0x0 && opcode <= 0x7;
}

/** True for the opcodes RFC 6455 reserves for future use: 0x3-0x7 and 0xB-0xF. */
export function isReservedOpcode(opcode: number): boolean {
  return (opcode >= 0x3 && opcode <= 0x7) || (opcode >= 0xb && opcode <= 0xf);
}

/** True for the six opcodes RFC 6455 defines. */
export function isKnownOpcode(opcode: number): boolean {
  return (opcode >= 0x0 && opcode <= 0x2) || (opcode >= 0x8 && opcode <= 0xa);
}
