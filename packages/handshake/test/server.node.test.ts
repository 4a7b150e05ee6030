// Node only: the corpus through node:http's parser on 127.0.0.1, the path @websock/server takes.
// The same corpus through plain header objects runs in Chromium too (server.test.ts).
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildAcceptResponse, buildRejectionResponse } from '../src/index.js';
import { CORPUS } from './corpus.js';
import { expectOutcome, type Outcome, outcomeOf } from './outcome.js';

describe('corpus through node:http (the path the server uses)', () => {
  // Node's own parser refuses a few corpus entries before any handler runs; those get node's 400.
  const NODE_PARSER_REJECTS = new Set(['lower-case get']);

  it('gives every corpus entry its expected answer', async () => {
    const outcomes = new Map<string, Outcome>();
    const respond = (req: IncomingMessage, write: (text: string) => void) => {
      const outcome = outcomeOf(req);
      outcomes.set(String(req.headers['x-case']), outcome);
      if (outcome.status === 101) write(buildAcceptResponse({ key: String(req.headers['sec-websocket-key']) }));
      else write(buildRejectionResponse(outcome.status, { headers: outcome.headers ?? {} }));
    };
    const server = createServer();
    server.on('upgrade', (req, socket) => respond(req, (text) => socket.end(text)));
    server.on('request', (req, res) => respond(req, (text) => res.socket?.end(text)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const replies = await Promise.all(
        CORPUS.map(async (c, index) => {
          const socket = connect(port, '127.0.0.1');
          const chunks: Buffer[] = [];
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          // Put the case number before the blank line so each request carries it.
          socket.end(c.raw.replace(/\r\n\r\n$/, `\r\nX-Case: ${index}\r\n\r\n`));
          await once(socket, 'close');
          return Buffer.concat(chunks).toString('latin1');
        }),
      );
      CORPUS.forEach((c, index) => {
        const statusLine = replies[index]!.slice(0, replies[index]!.indexOf('\r\n'));
        if (NODE_PARSER_REJECTS.has(c.name)) {
          expect(outcomes.has(String(index)), c.name).toBe(false);
          expect(statusLine, c.name).toMatch(/^HTTP\/1\.1 4\d\d /);
          return;
        }
        const outcome = outcomes.get(String(index));
        expect(outcome, c.name).toBeDefined();
        expectOutcome(outcome!, c);
        expect(statusLine, c.name).toMatch(new RegExp(`^HTTP/1\\.1 ${c.status} `));
      });
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
