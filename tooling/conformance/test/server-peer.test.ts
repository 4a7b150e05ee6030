import { connect as netConnect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCaseTable, type ConformanceCase } from '../src/cases.js';
import { FrameReader, type InFrame } from '../src/frame-reader.js';
import { closePayload, concatBytes, encodeFrame, encodeFrames, fromHex, Op, toHex } from '../src/frame-writer.js';
import { buildUpgradeRequest, findHeadEnd } from '../src/handshake.js';
import { compareIds, loadReferenceCases } from '../src/reference.js';
import {
  acceptFor,
  buildClientCaseTable,
  CLIENT_CATEGORIES,
  type ClientCase,
  ClientFrameReader,
  type ClientRunOptions,
  type ClientSideResult,
  type EchoClient,
  encodeServerFrame,
  FuzzingServer,
  formatClientReport,
  fromSharedCase,
  MaskStripper,
  parseClientRequest,
  runClientCase,
} from '../src/server-peer/index.js';
import { websockEchoClient } from './support/echo-clients.js';
import { PATIENT } from './support/patient.js';

/**
 * The client suite's oracle tested on its own: the unmasked writer, the mask
 * stripper that replays client-side scripts, the client frame reader, the handshake,
 * the derived table, and the grading, end to end against scripted misbehaving clients.
 */

const refs = loadReferenceCases();
const table = buildClientCaseTable(refs);
const byId = new Map(table.map((c) => [c.id, c]));
const caseOf = (id: string): ClientCase => {
  const c = byId.get(id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
};

describe('server frame writer (RFC 6455 §5.7 examples)', () => {
  it('writes unmasked frames by default', () => {
    expect(toHex(encodeServerFrame({ opcode: Op.Text, payload: 'Hello' }))).toBe('810548656c6c6f');
    expect(toHex(encodeServerFrame({ opcode: Op.Text, payload: 'Hel', fin: false }))).toBe('010348656c');
    expect(toHex(encodeServerFrame({ opcode: Op.Continuation, payload: 'lo' }))).toBe('80026c6f');
    expect(toHex(encodeServerFrame({ opcode: Op.Pong, payload: 'Hello' }))).toBe('8a0548656c6c6f');
    expect(toHex(encodeServerFrame({ opcode: Op.Binary, payload: new Uint8Array(256) }).subarray(0, 4))).toBe(
      '827e0100',
    );
    expect(toHex(encodeServerFrame({ opcode: Op.Binary, payload: new Uint8Array(65536) }).subarray(0, 10))).toBe(
      '827f0000000000010000',
    );
  });
  it('ignores nothing it is told: RSV bits, reserved opcodes, and an explicit mask key', () => {
    expect(encodeServerFrame({ opcode: 13, rsv: 7 })[0]).toBe(0xfd);
    const masked = encodeServerFrame({ opcode: Op.Text, payload: 'Hello', mask: fromHex('37fa213d') });
    expect(toHex(masked)).toBe('818537fa213d7f9f4d5158');
  });
  it('computes the RFC accept key', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

const frameArb = fc.record({
  opcode: fc.integer({ min: 0, max: 15 }),
  fin: fc.boolean(),
  rsv: fc.integer({ min: 0, max: 7 }),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.constantFrom(125, 126, 65535, 65536).map((n) => new Uint8Array(n).fill(0xa5)),
  ),
});

describe('mask stripper (client-encoded script bytes → server frames)', () => {
  it('turns any masked frame stream, cut anywhere, into the unmasked stream, chop for chop', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (frames, cuts) => {
          const masked = encodeFrames(frames);
          const expected = concatBytes(frames.map((f) => encodeServerFrame(f)));
          const bounds = [...new Set([0, ...cuts.map((c) => c % (masked.length + 1)), masked.length])].sort(
            (a, b) => a - b,
          );
          const stripper = new MaskStripper();
          const out: Uint8Array[] = [];
          for (let i = 0; i + 1 < bounds.length; i++) {
            const chop = masked.subarray(bounds[i], bounds[i + 1]);
            const stripped = stripper.push(chop);
            // Only the 4 key octets of each frame vanish: a chop never grows.
            expect(stripped.length).toBeLessThanOrEqual(chop.length);
            out.push(stripped);
          }
          expect(toHex(concatBytes(out))).toBe(toHex(expected));
          expect(stripper.atFrameBoundary).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
  it('keeps each chop of 6.4.3 at the same payload offset', () => {
    const payload = fromHex('cebae1bdb9cf83cebcceb5f4908080656469746564');
    const frame = encodeFrame({ opcode: Op.Text, payload });
    const header = frame.length - payload.length; // 2 + 4 key octets
    const stripper = new MaskStripper();
    const a = stripper.push(frame.subarray(0, header + 11));
    const b = stripper.push(frame.subarray(header + 11, header + 15));
    const c = stripper.push(frame.subarray(header + 15));
    expect([toHex(a), toHex(b), toHex(c)]).toEqual(['8115cebae1bdb9cf83cebcceb5', 'f4908080', '656469746564']);
  });
  it('passes unmasked frames through untouched', () => {
    const bytes = encodeFrames([
      { opcode: Op.Text, payload: 'Hello', mask: false },
      { opcode: Op.Ping, mask: false },
    ]);
    expect(toHex(new MaskStripper().push(bytes))).toBe(toHex(bytes));
  });
});

describe('client frame reader', () => {
  it('reads any masked or unmasked frame through arbitrary TCP chops', () => {
    fc.assert(
      fc.property(
        frameArb,
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 16 }),
        (f, masked, chops) => {
          const bytes = encodeFrame({ ...f, ...(masked ? {} : { mask: false }) });
          const reader = new ClientFrameReader();
          let offset = 0;
          for (const size of chops) {
            reader.push(bytes.slice(offset, offset + size));
            offset = Math.min(bytes.length, offset + size);
            if (offset < bytes.length) expect(reader.next()).toBeNull();
          }
          reader.push(bytes.slice(offset));
          const got = reader.next();
          expect(got).not.toBeNull();
          expect({ fin: got?.fin, rsv: got?.rsv, opcode: got?.opcode, masked: got?.masked }).toEqual({
            fin: f.fin,
            rsv: f.rsv,
            opcode: f.opcode,
            masked,
          });
          expect(toHex(got?.payload ?? new Uint8Array(0))).toBe(toHex(f.payload));
          expect(reader.next()).toBeNull();
          expect(reader.bufferedAmount).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
  it('refuses a 64-bit length with its most significant bit set', () => {
    const reader = new ClientFrameReader();
    reader.push(fromHex('82ff8000000000000000'));
    expect(() => reader.next()).toThrow(/most significant bit/);
  });
});

describe('opening handshake request', () => {
  const valid =
    'GET /runCase?case=1&agent=x HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  it('accepts a valid request', () => {
    const r = parseClientRequest(valid);
    expect(r.problems).toEqual([]);
    expect(r.target).toBe('/runCase?case=1&agent=x');
  });
  it('lists what is wrong', () => {
    const r = parseClientRequest(
      'POST / HTTP/1.0\r\nUpgrade: h2c\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 8\r\n\r\n',
    );
    expect(r.problems.join('\n')).toMatch(/method POST/);
    expect(r.problems.join('\n')).toMatch(/HTTP\/1\.0/);
    expect(r.problems.join('\n')).toMatch(/no Host/);
    expect(r.problems.join('\n')).toMatch(/Upgrade: h2c/);
    expect(r.problems.join('\n')).toMatch(/Connection: \(none\)/);
    expect(r.problems.join('\n')).toMatch(/Version: 8/);
    expect(r.problems.join('\n')).toMatch(/not 16 bytes/);
  });
});

describe('the client case table', () => {
  it('has every reference id of categories 1-7, 9, 10 in suite order, none skipped, then the client-only cases', () => {
    const played = new Set<number>(CLIENT_CATEGORIES);
    const wanted = refs
      .map((r) => r.id)
      .filter((id) => played.has(Number(id.split('.')[0])))
      .sort(compareIds);
    expect(table.map((c) => c.id)).toEqual([...wanted, 'M.1', 'M.2', 'M.3', 'M.4', 'M.5', 'M.6', 'H.1', 'H.2']);
  });
  it('refuses a shared case marked skipped instead of dropping it', () => {
    const c = { ...(buildCaseTable(refs.filter((r) => r.id === '1.1.1'))[0] as ConformanceCase), skip: 'too big' };
    expect(() => fromSharedCase(c)).toThrow(/runs every case/);
  });
});

// ---- end to end, against scripted clients ------------------------------------------

interface RawBehavior {
  /** Send frames unmasked (a violation). */
  unmasked?: boolean;
  /** How to answer the server's close: echo its code (default), with this code, or not at all. */
  closeReply?: number | 'echo' | 'none';
  /** After sending a close frame, destroy TCP at once instead of waiting for the server. */
  destroyAfterClose?: boolean;
  /** Ignore the server's FIN (never close our side). */
  ignoreFin?: boolean;
  /** Send close with this code when the first message arrives, instead of echoing it. */
  closeOnMessage?: number;
  /** Discard whatever came in the same chunk as the 101 (a classic client bug). */
  dropBytesAfterHead?: boolean;
}

/** A deliberately simple raw client: echoes frames as they come (no UTF-8 checks, no fail-fast). */
function rawClient(behavior: RawBehavior, sockets: Set<Socket>): EchoClient {
  return {
    name: 'raw',
    run: (url) =>
      new Promise<ClientSideResult>((resolve) => {
        const target = new URL(url);
        const result: ClientSideResult = { errors: [] };
        // Half-open allowed, so a client that ignores the server's FIN can be played.
        const socket = netConnect({ host: target.hostname, port: Number(target.port), allowHalfOpen: true });
        sockets.add(socket);
        const request = buildUpgradeRequest({
          host: target.hostname,
          port: Number(target.port),
          path: `${target.pathname}${target.search}`,
        });
        const reader = new FrameReader();
        let head: Uint8Array | null = new Uint8Array(0);
        let closeSent = false;
        const send = (opcode: number, payload: Uint8Array, fin = true) => {
          if (!socket.writable) return;
          socket.write(encodeFrame({ opcode, payload, fin, ...(behavior.unmasked ? { mask: false } : {}) }));
        };
        const sendClose = (code: number | undefined) => {
          if (closeSent) return;
          closeSent = true;
          send(Op.Close, closePayload(code));
          if (behavior.destroyAfterClose) socket.destroy();
        };
        const onFrame = (f: InFrame) => {
          if (f.opcode === Op.Close) {
            if (behavior.closeReply === 'none') return;
            const code = f.payload.length >= 2 ? ((f.payload[0] as number) << 8) | (f.payload[1] as number) : undefined;
            sendClose(typeof behavior.closeReply === 'number' ? behavior.closeReply : code);
          } else if (f.opcode === Op.Ping) send(Op.Pong, f.payload);
          else if (f.opcode <= Op.Binary && !closeSent) {
            if (behavior.closeOnMessage !== undefined) sendClose(behavior.closeOnMessage);
            else send(f.opcode, f.payload, f.fin);
          }
        };
        socket.on('connect', () => socket.write(request.head));
        socket.on('data', (chunk: Buffer) => {
          let bytes: Uint8Array = chunk;
          if (head) {
            head = concatBytes([head, chunk]);
            const end = findHeadEnd(head);
            if (end < 0) return;
            bytes = behavior.dropBytesAfterHead ? new Uint8Array(0) : head.subarray(end);
            head = null;
          }
          reader.push(bytes);
          for (let f = reader.next(); f; f = reader.next()) onFrame(f);
        });
        socket.on('end', () => {
          if (!behavior.ignoreFin) socket.end();
        });
        socket.on('error', (error) => result.errors.push(error.message));
        socket.on('close', () => resolve(result));
      }),
  };
}

/**
 * A client here either does a thing or never does it. Waits for what it does end with its event,
 * so they are long (see support/patient.ts); a test whose outcome is a timeout shortens that one
 * wait, and a client that never acts gives the same result whatever the clock says.
 */
const PATIENT_CLIENT: ClientRunOptions = { ...PATIENT, gapMs: 100, clientReportTimeoutMs: 200 };

describe('grading a client end to end', () => {
  const servers: FuzzingServer[] = [];
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const play = async (id: string, client: EchoClient, options: { finHoldMs?: number; run?: ClientRunOptions } = {}) => {
    const server = await FuzzingServer.start({ finHoldMs: options.finHoldMs ?? 30 });
    servers.push(server);
    const c = caseOf(id);
    const report = await runClientCase(c, 1, server, client, { ...PATIENT_CLIENT, ...options.run });
    return { report, text: formatClientReport(c, report) };
  };

  it('passes a correct raw client on an echo case', async () => {
    const { report, text } = await play('1.1.2', rawClient({}, sockets));
    expect(report.verdict.problems, text).toEqual([]);
    expect(report.verdict.officialPass).toBe(true);
    expect(report.snapshot?.finSentAt).not.toBeNull();
  });

  it('passes the websock client when the server closes TCP at once (finHoldMs 0, exactly like the suite)', async () => {
    const { report, text } = await play('7.1.1', websockEchoClient(), { finHoldMs: 0 });
    expect(report.verdict.problems, text).toEqual([]);
  });

  it('flags unmasked client frames (RFC 6455 §5.1)', async () => {
    const { report } = await play('1.1.2', rawClient({ unmasked: true }, sockets));
    expect(report.verdict.problems.join('\n')).toMatch(/client frame is not masked \(opcode 1\)/);
    expect(report.verdict.problems.join('\n')).toMatch(/client frame is not masked \(opcode 8\)/);
    expect(report.snapshot?.unmaskedFrames).toBe(2);
  });

  it('flags a client that does not fail on invalid UTF-8 (and the official grade fails too)', async () => {
    const { report } = await play('6.3.1', rawClient({}, sockets), { run: { failTimeoutMs: 300 } });
    const problems = report.verdict.problems.join('\n');
    expect(problems).toMatch(/did not fail the connection/);
    expect(problems).toMatch(/client sent a text message that is not valid UTF-8/);
    expect(report.verdict.officialPass).toBe(false);
  });

  it('flags a wrong close code', async () => {
    const { report } = await play('7.3.3', rawClient({ closeReply: 1001 }, sockets));
    expect(report.verdict.problems.join('\n')).toMatch(/the client closed with code 1001, expected 1000/);
    expect(report.verdict.behaviorClose).toBe('WRONG CODE');
  });

  it('flags a client that fails the connection when it should echo', async () => {
    const { report } = await play('1.1.2', rawClient({ closeOnMessage: 1002 }, sockets));
    const problems = report.verdict.problems.join('\n');
    expect(problems).toMatch(/before the server's: it should not have failed the connection/);
    expect(report.verdict.behaviorClose).toBe('FAILED');
  });

  it('flags a client that drops TCP right after its close frame instead of waiting for the server', async () => {
    const { report } = await play('1.1.2', rawClient({ destroyAfterClose: true }, sockets));
    expect(report.verdict.problems.join('\n')).toMatch(
      /the client closed TCP \(FIN\) \d+ ms after the closing handshake/,
    );
    // The suite (server side) grades this as passed: it closes TCP at once and cannot see it.
    expect(report.verdict.officialPass).toBe(true);
  });

  it('flags a client that never answers the close frame', async () => {
    const { report } = await play('7.3.3', rawClient({ closeReply: 'none' }, sockets), {
      run: { closeTimeoutMs: 300 },
    });
    const problems = report.verdict.problems.join('\n');
    expect(problems).toMatch(/never answered the server's close frame/);
    expect(problems).toMatch(/no close frame from the client within 300 ms/);
    expect(report.verdict.behaviorClose).toBe('UNCLEAN');
  });

  it('flags a client that loses the frames that came with the 101 (H.1)', async () => {
    const { report } = await play('H.1', rawClient({ dropBytesAfterHead: true }, sockets));
    expect(report.verdict.problems.join('\n')).toMatch(/behaviour FAILED: observed \[\], expected OK: \[message/);
    expect((await play('H.1', rawClient({}, sockets))).report.verdict.problems).toEqual([]);
  });

  it('flags a client that keeps TCP open after the server closed it', async () => {
    const { report } = await play('1.1.1', rawClient({ ignoreFin: true }, sockets), { run: { dropTimeoutMs: 300 } });
    expect(report.verdict.problems.join('\n')).toMatch(/did not close TCP within 300 ms of the server's FIN/);
  });

  it('checks the fail-fast window of 6.4.x (a client failing only at the end of the frame)', async () => {
    // The raw client fails nothing; 6.4.3 must then report the connection open after the invalid chop.
    const { report } = await play('6.4.3', rawClient({}, sockets), {
      run: { failFastTimeoutMs: 300, failTimeoutMs: 300 },
    });
    expect(report.verdict.problems.join('\n')).toMatch(/fail-fast: the connection was still open/);
  });

  it('refuses a script that uses a Peer member the adapter does not provide', async () => {
    const shared = buildCaseTable(refs.filter((r) => r.id === '1.1.1'))[0] as ConformanceCase;
    const odd: ConformanceCase = {
      ...shared,
      script: async (peer) => {
        await peer.sendMessage('x');
      },
    };
    const server = await FuzzingServer.start();
    servers.push(server);
    const report = await runClientCase(fromSharedCase(odd), 7, server, websockEchoClient(), PATIENT_CLIENT);
    expect(report.verdict.problems[0]).toMatch(/uses Peer\.sendMessage/);
  });

  it('reports a refused handshake instead of hanging', async () => {
    const server = await FuzzingServer.start();
    servers.push(server);
    const client: EchoClient = {
      name: 'no-key',
      run: (url) =>
        new Promise((resolve) => {
          const target = new URL(url);
          const socket = netConnect({ host: target.hostname, port: Number(target.port) });
          sockets.add(socket);
          socket.on('connect', () =>
            socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n`),
          );
          socket.on('error', () => {});
          socket.resume();
          socket.on('close', () => resolve({ errors: ['closed'] }));
        }),
    };
    const report = await runClientCase(caseOf('1.1.1'), 1, server, client, PATIENT_CLIENT);
    expect(report.verdict.problems[0]).toMatch(/refused the opening handshake: no Sec-WebSocket-Key/);
  });
});
