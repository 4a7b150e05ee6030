// A byte-at-a-time automaton for UTF-8 as defined by RFC 3629 / Unicode Table 3-7.
//
// It is only used where bulk scanning cannot be: at the edges of chunks (a
// sequence split across writes) and to pin down the exact offending byte. The
// bulk scanners stop in front of any sequence they cannot accept whole, and the
// automaton takes over from there, so both always agree on the failing offset.

/** Byte classes. Every byte falls in exactly one; Table 3-7 only ever distinguishes these. */
const C_ASCII = 0; // 00..7F
const C_CONT_80_8F = 1;
const C_CONT_90_9F = 2;
const C_CONT_A0_BF = 3;
const C_INVALID = 4; // C0, C1, F5..FF: never appear in well-formed UTF-8
const C_LEAD2 = 5; // C2..DF
const C_E0 = 6; // second byte must be A0..BF (no overlongs)
const C_LEAD3 = 7; // E1..EC, EE, EF
const C_ED = 8; // second byte must be 80..9F (no surrogates)
const C_F0 = 9; // second byte must be 90..BF (no overlongs)
const C_LEAD4 = 10; // F1..F3
const C_F4 = 11; // second byte must be 80..8F (nothing above U+10FFFF)

/**
 * States are pre-multiplied by the row width (16) so a transition is one add and
 * one load: `state = TRANSITIONS[state + CLASSES[byte]]`.
 */
export const ACCEPT = 0;
export const REJECT = 16;
const NEED1 = 32; // one more continuation byte, any of 80..BF
const NEED2 = 48; // two more, any
const NEED3 = 64; // three more, any
const E0_SECOND = 80; // after E0: A0..BF, then NEED1
const ED_SECOND = 96; // after ED: 80..9F, then NEED1
const F0_SECOND = 112; // after F0: 90..BF, then NEED2
const F4_SECOND = 128; // after F4: 80..8F, then NEED2
const STATE_COUNT = 9;

export const CLASSES: Uint8Array = /* @__PURE__ */ buildClasses();
export const TRANSITIONS: Uint8Array = /* @__PURE__ */ buildTransitions();

function buildClasses(): Uint8Array {
  const classes = new Uint8Array(256);
  for (let b = 0; b < 256; b++) {
    let c: number;
    if (b <= 0x7f) c = C_ASCII;
    else if (b <= 0x8f) c = C_CONT_80_8F;
    else if (b <= 0x9f) c = C_CONT_90_9F;
    else if (b <= 0xbf) c = C_CONT_A0_BF;
    else if (b <= 0xc1) c = C_INVALID;
    else if (b <= 0xdf) c = C_LEAD2;
    else if (b === 0xe0) c = C_E0;
    else if (b === 0xed) c = C_ED;
    else if (b <= 0xef) c = C_LEAD3;
    else if (b === 0xf0) c = C_F0;
    else if (b <= 0xf3) c = C_LEAD4;
    else if (b === 0xf4) c = C_F4;
    else c = C_INVALID;
    classes[b] = c;
  }
  return classes;
}

function buildTransitions(): Uint8Array {
  // Everything not listed is a rejection.
  const t = new Uint8Array(STATE_COUNT * 16).fill(REJECT);
  const set = (state: number, classes: readonly number[], next: number): void => {
    for (const c of classes) t[state + c] = next;
  };
  const anyCont = [C_CONT_80_8F, C_CONT_90_9F, C_CONT_A0_BF];

  set(ACCEPT, [C_ASCII], ACCEPT);
  set(ACCEPT, [C_LEAD2], NEED1);
  set(ACCEPT, [C_E0], E0_SECOND);
  set(ACCEPT, [C_LEAD3], NEED2);
  set(ACCEPT, [C_ED], ED_SECOND);
  set(ACCEPT, [C_F0], F0_SECOND);
  set(ACCEPT, [C_LEAD4], NEED3);
  set(ACCEPT, [C_F4], F4_SECOND);

  set(NEED1, anyCont, ACCEPT);
  set(NEED2, anyCont, NEED1);
  set(NEED3, anyCont, NEED2);
  set(E0_SECOND, [C_CONT_A0_BF], NEED1);
  set(ED_SECOND, [C_CONT_80_8F, C_CONT_90_9F], NEED1);
  set(F0_SECOND, [C_CONT_90_9F, C_CONT_A0_BF], NEED2);
  set(F4_SECOND, [C_CONT_80_8F], NEED2);
  return t;
}
