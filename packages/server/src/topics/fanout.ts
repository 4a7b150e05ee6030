import type { NegotiatedParams } from '@websock/permessage-deflate';

/**
 * How a subscriber takes a published message, fixed by its handshake:
 *
 * - `FrameForm.Plain` (0): no compression negotiated. Gets the uncompressed frame.
 * - 9..15: permessage-deflate with `server_no_context_takeover`, and that server window (a window
 *   of 8 counts as 9: zlib compresses with 9 and never reaches further back than 8 allows).
 *   Every subscriber of one window gets the same compressed frame, compressed once.
 * - `FrameForm.OwnContext` (-1): permessage-deflate with context takeover. Its compressor's
 *   history is its own, so it compresses the message itself (through its `send` path).
 */
export type FrameForm = number;
export const FrameForm = { Plain: 0, OwnContext: -1 } as const;

/** The frame form of a connection from its negotiated permessage-deflate parameters (null: none). */
export function frameFormOf(params: NegotiatedParams | null | undefined): FrameForm {
  if (params == null) return FrameForm.Plain;
  if (!params.serverNoContextTakeover) return FrameForm.OwnContext;
  return Math.max(9, params.serverMaxWindowBits);
}

/** Who gets which frame for one publish. Subscribers keep their iteration order within a group. */
export interface FanoutPlan<S> {
  /** Get the uncompressed frame, framed once. */
  readonly plain: S[];
  /** Window bits → subscribers sharing one compressed frame. */
  readonly shared: Map<number, S[]>;
  /** Compress with their own context (one compression each). */
  readonly own: S[];
  /** Subscribers in the plan. */
  readonly size: number;
}

export interface PlanOptions<S> {
  /** Leave this one out (the publishing connection). */
  readonly exclude?: S | undefined;
  /**
   * Whether the message is to be compressed at all: false below the deflate threshold (or
   * without deflate), and then every subscriber shares the plain frame, context takeover or not
   * (an uncompressed message never enters a compression window, so that is always correct).
   */
  readonly compress: boolean;
}

/**
 * Groups a topic's subscribers by frame form: one frame is built per group (plain, or compressed
 * once per window size), except for context-takeover subscribers who compress their own copy.
 * A snapshot: subscribers that leave while the plan is delivered are checked for by the caller.
 */
export function planFanout<S>(
  subscribers: Iterable<S>,
  formOf: (subscriber: S) => FrameForm,
  options: PlanOptions<S>,
): FanoutPlan<S> {
  const plain: S[] = [];
  const shared = new Map<number, S[]>();
  const own: S[] = [];
  const exclude = options.exclude;
  for (const subscriber of subscribers) {
    if (subscriber === exclude) continue;
    const form = options.compress ? formOf(subscriber) : FrameForm.Plain;
    if (form === FrameForm.Plain) {
      plain.push(subscriber);
    } else if (form === FrameForm.OwnContext) {
      own.push(subscriber);
    } else {
      const group = shared.get(form);
      if (group === undefined) shared.set(form, [subscriber]);
      else group.push(subscriber);
    }
  }
  let size = plain.length + own.length;
  for (const group of shared.values()) size += group.length;
  return { plain, shared, own, size };
}
