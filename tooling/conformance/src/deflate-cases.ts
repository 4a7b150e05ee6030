import { constants } from 'node:zlib';
import type { CaseContext, ConformanceCase } from './cases.js';
import { CORPORA, type Corpus, corpusMessages } from './deflate-corpora.js';
import { DeflatePeerExtension } from './deflate-extension.js';
import { autobahnOffer, type DeflateOffer, formatOffers } from './deflate-negotiation.js';
import type { ExpectedEvent } from './grading.js';
import type { Peer } from './peer.js';
import type { ReferenceCase } from './reference.js';

/**
 * Categories 12 and 13 (permessage-deflate), derived from the reference descriptions:
 * message count and size, auto-fragment size and, for 13.x, the client offers are read
 * from "Send 1000 compressed messages each of payload size 16384, auto-fragment to 256
 * octets. Use permessage-deflate client offers (requestNoContextTakeover,
 * requestMaxWindowBits): [(True, 9), (True, 0), (False, 0)]".
 *
 * Like the official client, the peer sends one message, waits for its echo, checks it,
 * and only then sends the next; after the last echo it closes with 1000.
 *
 * Scaling: the suite sends 1000 messages in every case (up to 128 MiB per case). Here a
 * case sends at most DEFLATE_BYTES_PER_CASE bytes, but never fewer than
 * DEFLATE_MIN_MESSAGES messages and never more than the suite does; the count, not the
 * size, is what shrinks, and the description says so.
 */

export const DEFLATE_BYTES_PER_CASE = 1024 * 1024;
export const DEFLATE_MIN_MESSAGES = 10;
/** How long one echo may take before the case gives up. */
export const DEFLATE_ECHO_TIMEOUT_MS = 5000;

export function scaledCount(official: number, size: number): number {
  return Math.min(official, Math.max(DEFLATE_MIN_MESSAGES, Math.floor(DEFLATE_BYTES_PER_CASE / Math.max(1, size))));
}

/** What a 12.x/13.x case plays, read from its reference entry. */
export interface DeflatePlan {
  officialCount: number;
  count: number;
  size: number;
  /** 0: one frame per message. */
  fragmentSize: number;
  offers: DeflateOffer[];
  corpus: Corpus;
}

export function deflatePlan(ref: ReferenceCase): DeflatePlan {
  const d = ref.description;
  const m = /Send (\d+) compressed messages each of payload size (\d+), auto-fragment to (\d+) octets\./.exec(d);
  if (!m) throw new Error(`case ${ref.id}: cannot read count, size and fragment size from ${JSON.stringify(d)}`);
  const [, official, size, fragment] = m.map(Number) as [number, number, number, number];
  let offers: DeflateOffer[];
  if (/Use default permessage-deflate offer\./.test(d)) offers = [autobahnOffer(false, 0)];
  else {
    const list = /client offers \(requestNoContextTakeover, requestMaxWindowBits\): \[(.*)\]/.exec(d)?.[1];
    const tuples = [...(list ?? '').matchAll(/\((True|False), (\d+)\)/g)];
    if (tuples.length === 0) throw new Error(`case ${ref.id}: cannot read the client offers from ${JSON.stringify(d)}`);
    offers = tuples.map((t) => autobahnOffer(t[1] === 'True', Number(t[2])));
  }
  const [category, sub] = ref.id.split('.').map(Number) as [number, number];
  // 12.1-12.5 each use one data file; all of 13.x uses the JSON one.
  const corpus = category === 12 ? CORPORA[sub - 1] : CORPORA[0];
  if (!corpus) throw new Error(`case ${ref.id}: no payload corpus for sub-category ${category}.${sub}`);
  return { officialCount: official, count: scaledCount(official, size), size, fragmentSize: fragment, offers, corpus };
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/**
 * zlib level of the peer's compressor: the default (6, as the official client) up to
 * 4 KiB, level 1 above: 2-3x cheaper on the large cases, and a second match strategy
 * (deflate_fast) for the server's decompressor to meet.
 */
export function peerLevel(size: number): number {
  return size <= 4096 ? constants.Z_DEFAULT_COMPRESSION : 1;
}

async function playEchoes(
  peer: Peer,
  ctx: CaseContext,
  plan: DeflatePlan,
  messages: readonly Uint8Array[],
): Promise<void> {
  const ext = ctx.extension;
  if (!(ext instanceof DeflatePeerExtension)) throw new Error('the case runs without its permessage-deflate extension');
  peer.note(`permessage-deflate: offered ${ext.offer}; agreed ${ext.describe()}`);
  const binary = plan.corpus.binary;
  const received = () => peer.events.filter((e) => e.type === 'message').length;
  for (let i = 0; i < messages.length; i++) {
    if (!peer.isOpen) return;
    const sent = messages[i] as Uint8Array;
    const compressedBefore = ext.stats.compressedReceived;
    await peer.sendMessage(sent, { binary, ...(plan.fragmentSize > 0 ? { fragmentSize: plan.fragmentSize } : {}) });
    const arrived = await peer.waitFor(() => peer.events.length > i || !peer.isOpen, DEFLATE_ECHO_TIMEOUT_MS);
    const echo = peer.events[i];
    if (!arrived || !echo) {
      if (!peer.isOpen) return;
      throw new Error(
        `no echo of message ${i + 1}/${messages.length} within ${DEFLATE_ECHO_TIMEOUT_MS} ms; ${ext.summary(received())}`,
      );
    }
    if (echo.type !== 'message' || echo.binary !== binary || !sameBytes(echo.data, sent)) {
      const how = ext.stats.compressedReceived > compressedBefore ? 'compressed (RSV1)' : 'uncompressed';
      const got =
        echo.type === 'message'
          ? `${echo.binary ? 'binary' : 'text'} message of ${echo.data.length} B, ${how}, ` +
            `first difference at byte ${firstDifference(echo.data, sent)}`
          : `a ${echo.type} event`;
      throw new Error(
        `echo ${i + 1}/${messages.length} differs: got ${got}; sent ${binary ? 'binary' : 'text'} ${sent.length} B. ` +
          ext.summary(received()),
      );
    }
  }
}

/** The 12.x / 13.x case for a reference entry (merged into the table by buildCase). */
export function buildDeflateCase(
  ref: ReferenceCase,
): Pick<ConformanceCase, 'expected' | 'script' | 'description' | 'note' | 'eventTimeoutMs' | 'extension'> {
  const plan = deflatePlan(ref);
  const messages = corpusMessages(plan.corpus.key, plan.size, plan.count);
  const expected: ExpectedEvent[] = messages.map((data) => ({ type: 'message', data, binary: plan.corpus.binary }));
  const clean = ref.description.replace(/\s+/g, ' ').trim();
  const scaled = plan.count < plan.officialCount;
  const description = `${scaled ? clean.replace(/^Send \d+ /, `Send ${plan.count} of ${plan.officialCount} (scaled) `) : clean} Payload: ${plan.corpus.description}.`;
  const offer = formatOffers(plan.offers);
  return {
    description,
    note:
      `offer: ${offer}; ${plan.count} messages of ${plan.size} B` +
      (scaled
        ? ` (the suite sends ${plan.officialCount}; scaled to at most ${DEFLATE_BYTES_PER_CASE / 1024 / 1024} MiB per case, at least ${DEFLATE_MIN_MESSAGES} messages)`
        : '') +
      (plan.fragmentSize > 0 ? `, compressed payload auto-fragmented into frames of ${plan.fragmentSize} B` : ''),
    expected: { OK: expected },
    eventTimeoutMs: DEFLATE_ECHO_TIMEOUT_MS,
    extension: () => new DeflatePeerExtension(plan.offers, { level: peerLevel(plan.size) }),
    script: (peer, ctx) => playEchoes(peer, ctx, plan, messages),
  };
}
