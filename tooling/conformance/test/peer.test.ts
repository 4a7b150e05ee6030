import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCaseTable, type ConformanceCase, MAX_LIMITS_MESSAGE } from '../src/cases.js';
import { FrameReader } from '../src/frame-reader.js';
import { closePayload, encodeFragmentedMessage, encodeFrame, fromHex, Op, toHex } from '../src/frame-writer.js';
import { grade, progress } from '../src/grading.js';
import { acceptKeyFor } from '../src/handshake.js';
import type { PeerSnapshot } from '../src/peer.js';
import { categoryOf, loadReferenceCases } from '../src/reference.js';
import { type RunOptions, runCase } from '../src/runner.js';
import { PATIENT } from './support/patient.js';
import { echoing, type RawServer, startRawServer } from './support/raw-server.js';

/** The oracle's own tests: frame codec, grading rules, the derived table, and misbehaving servers. */

const refs = loadReferenceCases();
const table = buildCaseTable(refs);
const byId = new Map(table.map((c) => [c.id, c]));
const caseOf = (id: string): ConformanceCase => {
  const c = byId.get(id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
};

describe('frame writer (RFC 6455 §5.7 examples)', () => {
  it('writes an unmasked single-frame text message', () => {
    expect(toHex(encodeFrame({ opcode: Op.Text, payload: 'Hello', mask: false }))).toBe('810548656c6c6f');
  });
  it('writes a masked single-frame text message', () => {
    const frame = encodeFrame({ opcode: Op.Text, payload: 'Hello', mask: fromHex('37fa213d') });
    expect(toHex(frame)).toBe('818537fa213d7f9f4d5158');
  });
  it('writes fragmented text, ping, and 16/64-bit lengths', () => {
    expect(toHex(encodeFrame({ opcode: Op.Text, payload: 'Hel', fin: false, mask: false }))).toBe('010348656c');
    expect(toHex(encodeFrame({ opcode: Op.Continuation, payload: 'lo', mask: false }))).toBe('80026c6f');
    expect(toHex(encodeFrame({ opcode: Op.Ping, payload: 'Hello', mask: false }))).toBe('890548656c6c6f');
    expect(toHex(encodeFrame({ opcode: Op.Binary, payload: new Uint8Array(256), mask: false }).subarray(0, 4))).toBe(
      '827e0100',
    );
    expect(toHex(encodeFrame({ opcode: Op.Binary, payload: new Uint8Array(65536), mask: false }).subarray(0, 10))).toBe(
      '827f0000000000010000',
    );
  });
  it('sets RSV bits and reserved opcodes verbatim', () => {
    expect(encodeFrame({ opcode: 13, rsv: 7, mask: false })[0]).toBe(0xfd);
  });
  it('computes the RFC accept key', () => {
    expect(acceptKeyFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('frame reader', () => {
  it('round-trips any frame through arbitrary TCP chops', () => {
    fc.assert(
      fc.property(
        fc.record({
          opcode: fc.integer({ min: 0, max: 15 }),
          fin: fc.boolean(),
          rsv: fc.integer({ min: 0, max: 7 }),
          payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constant(new Uint8Array(70_000).fill(7))),
          masked: fc.boolean(),
        }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 20 }),
        (f, chops) => {
          const bytes = encodeFrame({
            opcode: f.opcode,
            fin: f.fin,
            rsv: f.rsv,
            payload: f.payload,
            ...(f.masked ? {} : { mask: false }),
          });
          const reader = new FrameReader();
          let offset = 0;
          for (const c of chops) {
            reader.push(bytes.slice(offset, offset + c));
            offset = Math.min(bytes.length, offset + c);
            if (offset < bytes.length) expect(reader.next()).toBeNull();
          }
          reader.push(bytes.slice(offset));
          const got = reader.next();
          expect(got && { ...got, payload: null, key: got.key === null ? null : got.key.length }).toEqual({
            fin: f.fin,
            rsv: f.rsv,
            opcode: f.opcode,
            masked: f.masked,
            key: f.masked ? 4 : null,
            payload: null,
          });
          expect(Buffer.from(got?.payload ?? []).equals(Buffer.from(f.payload))).toBe(true);
          expect(reader.bufferedAmount).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reassembles a 4 MiB message sent as 65,536 fragments of 64 bytes (9.3.1)', () => {
    const payload = new Uint8Array(4 * 2 ** 20);
    for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
    const { bytes, frames } = encodeFragmentedMessage(Op.Text, payload, 64);
    expect(frames).toBe(65_536);
    const reader = new FrameReader();
    reader.push(bytes);
    const parts: Uint8Array[] = [];
    let misordered = 0;
    for (let f = reader.next(); f; f = reader.next()) {
      if (f.opcode !== (parts.length === 0 ? Op.Text : Op.Continuation) || f.fin !== (parts.length === 65_535))
        misordered++;
      parts.push(f.payload);
    }
    expect(misordered).toBe(0);
    expect(Buffer.concat(parts).equals(Buffer.from(payload))).toBe(true);
  });
});

function snapshot(partial: Partial<PeerSnapshot>): PeerSnapshot {
  return {
    transport: 'tcp',
    events: [],
    violations: [],
    closeSent: { code: 1000, reason: new Uint8Array(0), payload: closePayload(1000), at: 1 },
    closeReceived: { code: 1000, reason: new Uint8Array(0), payload: closePayload(1000), at: 2 },
    closedByMe: true,
    serverTcpEnd: 'fin',
    serverTcpEndAt: 3,
    droppedByMe: false,
    serverReset: null,
    wasClean: true,
    log: [],
    ...partial,
  };
}

describe('grading', () => {
  const hello = { type: 'message' as const, data: new TextEncoder().encode('Hello, world!'), binary: false };
  const observedHello = { ...hello, at: 1 };

  it('tracks progress towards the expected sequences', () => {
    expect(progress([], { OK: [hello] })).toBe('pending');
    expect(progress([observedHello], { OK: [hello] })).toBe('match');
    expect(progress([observedHello, observedHello], { OK: [hello] })).toBe('deviated');
    expect(progress([{ ...observedHello, binary: true }], { OK: [hello] })).toBe('deviated');
  });

  it('grades NON-STRICT as a pass for the official suite and a failure for us', () => {
    const v = grade(
      { OK: [hello], 'NON-STRICT': [] },
      { closeCode: [1002], closedByMe: false, requireClean: false },
      snapshot({
        closedByMe: false,
        closeReceived: { code: 1002, reason: new Uint8Array(0), payload: closePayload(1002), at: 2 },
      }),
    );
    expect(v.behavior).toBe('NON-STRICT');
    expect(v.officialPass).toBe(true);
    expect(v.problems).toHaveLength(1);
  });

  it('accepts an empty close code officially but not strictly', () => {
    const r = snapshot({
      closeReceived: { code: undefined, reason: new Uint8Array(0), payload: new Uint8Array(0), at: 2 },
    });
    const v = grade({ OK: [] }, { closeCode: [1000], closedByMe: true, requireClean: true }, r);
    expect(v.officialPass).toBe(true);
    expect(v.problems.join()).toMatch(/no code/);
  });

  it('grades close behaviour in the official order', () => {
    const expected = { closeCode: [1000], closedByMe: true, requireClean: true };
    expect(grade({ OK: [] }, expected, snapshot({ closedByMe: false })).behaviorClose).toBe('FAILED');
    expect(grade({ OK: [] }, expected, snapshot({ wasClean: false, droppedByMe: true })).behaviorClose).toBe('UNCLEAN');
    const wrong = snapshot({
      closeReceived: { code: 1001, reason: new Uint8Array(0), payload: closePayload(1001), at: 2 },
    });
    expect(grade({ OK: [] }, expected, wrong).behaviorClose).toBe('WRONG CODE');
    expect(grade({ OK: [] }, expected, snapshot({})).behaviorClose).toBe('OK');
  });
});

describe('case table derived from the reference list', () => {
  it('has a playable case for every id in categories 1-7 and 10', () => {
    const ids = refs.filter((r) => [1, 2, 3, 4, 5, 6, 7, 10].includes(categoryOf(r.id))).map((r) => r.id);
    expect(ids.length).toBe(247);
    for (const id of ids) expect(caseOf(id).skip, id).toBeUndefined();
  });

  it('plays all of category 9, up to 16 MiB, skipping nothing', () => {
    const nine = table.filter((c) => c.category === 9);
    expect(nine.length).toBe(54);
    expect(nine.filter((c) => c.skip).map((c) => c.id)).toEqual([]);
    for (const c of nine.filter((x) => !x.skip)) {
      for (const seq of Object.values(c.expected)) {
        for (const e of seq) if (e.type === 'message') expect(e.data.length).toBeLessThanOrEqual(MAX_LIMITS_MESSAGE);
      }
    }
  });

  it('reads payloads from the descriptions (6.x hex, 7.x codes, 9.x sizes)', () => {
    expect(caseOf('6.5.4').expected.OK).toEqual([
      { type: 'message', data: fromHex('68656c6c6ff0a4ada2776f726c64'), binary: false },
    ]);
    expect(caseOf('1.2.8').expected.OK?.[0]).toMatchObject({ type: 'message', binary: true });
    const firstLength = (id: string) => {
      const e = caseOf(id).expected.OK?.[0];
      return e?.type === 'message' ? e.data.length : -1;
    };
    expect(firstLength('1.2.8')).toBe(65_536);
    expect(firstLength('9.3.1')).toBe(4 * 2 ** 20);
    expect(caseOf('9.7.6').expected.OK?.length).toBe(1000);
    expect(caseOf('6.4.3').failFast).toEqual({ after: 'A', before: 'B' });
    expect(caseOf('7.13.2').informational).toBe(true);
  });

  it('fails loudly when the reference file is missing', () => {
    expect(() => loadReferenceCases('/nonexistent/autobahn-cases.json')).toThrow(
      /reference case list not found at \/nonexistent\/autobahn-cases\.json/,
    );
  });
});

describe('the oracle catches misbehaving servers', () => {
  let server: RawServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  // A server here either does a thing or never does it. Waits for what it does end with its
  // event, so they are long (no stall of a loaded machine reaches them); a test whose outcome is
  // a timeout shortens that one wait, and the server that never acts gives the same result
  // whatever the clock says.
  const patient: RunOptions = { ...PATIENT, gapMs: 150 };
  const run = async (id: string, options: RunOptions = {}) =>
    runCase(caseOf(id), { host: '127.0.0.1', port: server?.port ?? 0, tls: false }, { ...patient, ...options });

  it('passes a minimal correct server', async () => {
    server = await startRawServer((conn, f) => {
      if (!echoing(conn, f) && f.opcode === Op.Close) conn.close(1000);
    });
    const report = await run('1.1.2');
    expect(report.verdict.problems).toEqual([]);
    expect(report.snapshot.wasClean).toBe(true);
  });

  it('flags a server that never closes TCP after the closing handshake', async () => {
    server = await startRawServer((conn, f) => {
      if (!echoing(conn, f) && f.opcode === Op.Close) conn.close(1000, { fin: false });
    });
    const report = await run('1.1.1', { dropTimeoutMs: 300 });
    expect(report.snapshot.droppedByMe).toBe(true);
    expect(report.verdict.behaviorClose).toBe('UNCLEAN');
    expect(report.verdict.problems.join('\n')).toMatch(/peer had to drop TCP/);
  });

  it('flags a server that drops TCP without a close frame', async () => {
    server = await startRawServer((conn, f) => {
      if (!echoing(conn, f) && f.opcode === Op.Close) conn.socket.end();
    });
    const report = await run('2.2');
    expect(report.verdict.problems.join('\n')).toMatch(/never sent a close frame/);
  });

  it('flags a server that fails the connection with an empty close frame, and frames after its close', async () => {
    server = await startRawServer((conn, f) => {
      if (f.rsv !== 0) {
        conn.send({ opcode: Op.Close, payload: new Uint8Array(0) });
        conn.send({ opcode: Op.Text, payload: 'late' });
        conn.socket.end();
      } else echoing(conn, f);
    });
    const report = await run('3.1');
    const problems = report.verdict.problems.join('\n');
    expect(problems).toMatch(/close frame has no code/);
    expect(problems).toMatch(/after its close frame/);
  });

  it('flags masked server frames and a pong answered to an unsolicited pong', async () => {
    server = await startRawServer((conn, f) => {
      if (f.opcode === Op.Pong) conn.send({ opcode: Op.Pong, payload: f.payload, mask: fromHex('01020304') });
      else if (f.opcode === Op.Close) conn.close(1000);
    });
    const report = await run('2.8');
    const problems = report.verdict.problems.join('\n');
    expect(problems).toMatch(/server frame is masked/);
    expect(report.verdict.behavior).toBe('FAILED');
  });

  it('flags a server that validates UTF-8 only when the frame is complete (6.4.3)', async () => {
    // The reader hands over whole frames only, so this server fails at the end of the frame.
    server = await startRawServer((conn, f) => {
      if (f.opcode === Op.Text) conn.close(1007);
      else if (f.opcode === Op.Close) conn.close(1000);
    });
    const report = await run('6.4.3', { failFastTimeoutMs: 300 });
    expect(report.verdict.behavior).toBe('NON-STRICT');
    expect(report.verdict.problems.join('\n')).toMatch(/fail-fast/);
  });

  it('flags a server that does not fail the connection at all', async () => {
    server = await startRawServer((conn, f) => {
      if (!echoing(conn, f) && f.opcode === Op.Close) conn.close(1000);
    });
    const report = await run('4.1.1', { failTimeoutMs: 500 });
    expect(report.snapshot.droppedByMe).toBe(true);
    expect(report.verdict.problems.join('\n')).toMatch(/did not fail the connection/);
  });
});
