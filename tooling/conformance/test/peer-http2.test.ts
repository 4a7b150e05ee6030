import { constants as h2 } from 'node:http2';
import { generateSelfSignedCert } from '@websock/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCaseTable, type ConformanceCase } from '../src/cases.js';
import { DeflatePeerExtension } from '../src/deflate-extension.js';
import { Op } from '../src/frame-writer.js';
import { Peer } from '../src/peer.js';
import { loadReferenceCases } from '../src/reference.js';
import { type RunOptions, runCase } from '../src/runner.js';
import { type RawH2Server, startRawH2Server } from './support/raw-h2-server.js';
import { echoing } from './support/raw-server.js';

/**
 * The oracle over HTTP/2 streams (RFC 8441): what it sends to open one, and how the
 * grading reads a stream's end. END_STREAM from the server is its FIN; RST_STREAM (any
 * code) is its RST, graded as strictly as a TCP reset, even after END_STREAM.
 */

const table = buildCaseTable(loadReferenceCases());
const caseOf = (id: string): ConformanceCase => {
  const c = table.find((x) => x.id === id);
  if (!c) throw new Error(`no case ${id}`);
  return c;
};
const tls = await generateSelfSignedCert();
const fast: RunOptions = { gapMs: 150, failTimeoutMs: 500, closeTimeoutMs: 500, dropTimeoutMs: 300 };

let server: RawH2Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const target = () => ({ host: '127.0.0.1', port: server?.port ?? 0, tls: true, http2: true, ca: tls.cert });
const run = (id: string) => runCase(caseOf(id), target(), fast);
const problemsOf = (report: Awaited<ReturnType<typeof run>>) => report.verdict.problems.join('\n');

describe('opening a WebSocket over HTTP/2', () => {
  it('sends the extended CONNECT of RFC 8441 §4-5, with the extension offer', async () => {
    server = await startRawH2Server({ ...tls, extensions: () => 'permessage-deflate' }, () => {});
    const peer = await Peer.connect({ ...target(), path: '/chat?x=1', extension: new DeflatePeerExtension([{}]) });
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0];
    expect(request).toMatchObject({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':path': '/chat?x=1',
      ':authority': `127.0.0.1:${server.port}`,
      'sec-websocket-version': '13',
    });
    expect(request?.['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
    expect(request?.['sec-websocket-key']).toBeUndefined();
    expect(peer.responseHeaders[':status']).toBe('200');
    peer.drop('test over');
    await peer.waitFor(() => peer.socketClosed, 2000);
  });

  it('refuses a server that does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL', async () => {
    server = await startRawH2Server({ ...tls, enableConnectProtocol: false }, () => {});
    await expect(Peer.connect(target())).rejects.toThrow(/SETTINGS_ENABLE_CONNECT_PROTOCOL/);
    expect(server.requests).toHaveLength(0);
  });

  it('fails the opening handshake on a status other than 200', async () => {
    server = await startRawH2Server({ ...tls, status: 404 }, () => {});
    await expect(Peer.connect(target())).rejects.toThrow(/expected :status 200, got 404: refused/);
  });

  it('fails the opening handshake when the server accepts an extension that was not offered', async () => {
    server = await startRawH2Server({ ...tls, extensions: () => 'permessage-deflate' }, () => {});
    await expect(Peer.connect(target())).rejects.toThrow(/extension that was not offered/);
  });
});

describe('grading the end of an HTTP/2 stream', () => {
  it('passes a correct server: closing handshake, then END_STREAM, no reset', async () => {
    server = await startRawH2Server(tls, (conn, f) => {
      if (!echoing(conn, f) && f.opcode === Op.Close) conn.close(1000);
    });
    const report = await run('1.1.2');
    expect(report.verdict.problems).toEqual([]);
    expect(report.snapshot).toMatchObject({ transport: 'h2', serverTcpEnd: 'fin', serverReset: null, wasClean: true });
  });

  it('fails a server that resets the stream after the closing handshake', async () => {
    server = await startRawH2Server(tls, (conn, f) => {
      if (echoing(conn, f) || f.opcode !== Op.Close) return;
      conn.close(1000, { fin: false });
      conn.stream.close(h2.NGHTTP2_CANCEL); // node sends END_STREAM, then RST_STREAM CANCEL
    });
    const report = await run('1.1.1');
    expect(report.verdict.officialPass).toBe(true);
    expect(problemsOf(report)).toMatch(/the server reset the stream \(RST_STREAM CANCEL \(8\)\)/);
  });

  it('fails a server that resets the stream before ending it', async () => {
    server = await startRawH2Server(tls, (conn, f) => {
      if (echoing(conn, f) || f.opcode !== Op.Close) return;
      conn.close(1000, { fin: false });
      // Once the close frame is out: a bare RST_STREAM, no END_STREAM (destroy skips the end).
      conn.stream.write(new Uint8Array(0), () => conn.stream.destroy(new Error('reset')));
    });
    const report = await run('1.1.1');
    expect(report.snapshot.serverTcpEnd).toBe('reset');
    expect(problemsOf(report)).toMatch(
      /the server reset the stream \(RST_STREAM INTERNAL_ERROR \(2\)\) instead of closing it \(END_STREAM\)/,
    );
  });

  it('fails a server that resets the stream after its END_STREAM (NO_ERROR is still a reset)', async () => {
    server = await startRawH2Server(tls, (conn, f) => {
      if (echoing(conn, f) || f.opcode !== Op.Close) return;
      conn.close(1000); // close frame, END_STREAM...
      conn.stream.close(h2.NGHTTP2_NO_ERROR); // ...then RST_STREAM once it is out, before the peer's END_STREAM
    });
    const report = await run('1.1.1');
    expect(report.snapshot.serverReset?.detail).toMatch(/^RST_STREAM NO_ERROR \(0\)/);
    expect(problemsOf(report)).toMatch(/the server reset the stream \(RST_STREAM NO_ERROR \(0\)\)/);
  });

  it('fails a server that never ends the stream: the peer resets it (RST_STREAM CANCEL)', async () => {
    server = await startRawH2Server(tls, (conn, f) => {
      if (!echoing(conn, f) && f.opcode === Op.Close) conn.close(1000, { fin: false });
    });
    const report = await run('1.1.1');
    expect(report.snapshot.droppedByMe).toBe(true);
    expect(report.verdict.behaviorClose).toBe('UNCLEAN');
    expect(problemsOf(report)).toMatch(/the peer had to drop the stream: the server did not close it/);
  });

  it('grades a reset where the server must fail the connection like a TCP drop: official pass, strict fail', async () => {
    server = await startRawH2Server(tls, (conn, f) => {
      if (f.rsv !== 0) conn.stream.close(h2.NGHTTP2_PROTOCOL_ERROR);
      else echoing(conn, f);
    });
    const report = await run('3.1');
    expect(report.verdict.officialPass).toBe(true);
    const problems = problemsOf(report);
    expect(problems).toMatch(/no close frame from it/);
    // node:http2's stream.close(code) ends the stream before resetting it: END_STREAM, then RST_STREAM.
    expect(problems).toMatch(/reset the stream \(RST_STREAM PROTOCOL_ERROR \(1\)\)/);
  });
});
