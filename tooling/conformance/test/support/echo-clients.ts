import { connect, ProtocolError } from '@websock/client';
import WebSocket from 'ws';
import type { ClientSideResult, EchoClient } from '../../src/server-peer/index.js';

/**
 * The echo clients the client suite plays against, each exactly what the suite's
 * fuzzing-server mode expects: connect to the case URL, send every message back as
 * it came (same type), and otherwise leave the protocol to the library.
 *
 * The one under test is the websock client. CONFORMANCE_CLIENT=ws runs the suite
 * against the `ws` package's client instead, to check the server peer and its
 * grading against a client whose official results are known.
 */

const MAX_MESSAGE = 64 * 1024 * 1024;

export function websockEchoClient(options: { ca?: string } = {}): EchoClient {
  return {
    name: 'websock',
    run: (url) =>
      new Promise<ClientSideResult>((resolve) => {
        const result: ClientSideResult = { errors: [] };
        connect(url, {
          maxMessageSize: MAX_MESSAGE,
          ...(options.ca ? { tls: { ca: options.ca } } : {}),
          message(ws, data, isBinary) {
            if (ws.readyState === 1) ws.send(data, isBinary);
          },
          error(_ws, error) {
            result.errors.push(
              error instanceof ProtocolError
                ? `${error.code} (close ${error.closeCode}): ${error.message}`
                : String(error),
            );
          },
          close(_ws, code, reason, wasClean) {
            result.close = { code, reason, wasClean };
            resolve(result);
          },
        }).catch((error: Error) => {
          result.errors.push(`connect failed: ${error.message}`);
          resolve(result);
        });
      }),
  };
}

export function wsEchoClient(options: { ca?: string } = {}): EchoClient {
  return {
    name: 'ws',
    run: (url) =>
      new Promise<ClientSideResult>((resolve) => {
        const result: ClientSideResult = { errors: [] };
        const ws = new WebSocket(url, {
          perMessageDeflate: false,
          maxPayload: MAX_MESSAGE,
          // ws caps a message at 16,384 fragments by default; 9.3.1/9.4.1 send 65,536.
          maxFragments: 0,
          ...(options.ca ? { ca: options.ca } : {}),
        });
        ws.on('message', (data, isBinary) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(data as Buffer, { binary: isBinary });
        });
        ws.on('error', (error: Error & { code?: string }) => {
          result.errors.push(`${error.code ?? 'error'}: ${error.message}`);
        });
        ws.on('close', (code, reason) => {
          result.close = { code, reason: reason.toString(), wasClean: code !== 1006 };
          resolve(result);
        });
      }),
  };
}

export type ClientUnderTest = 'websock' | 'ws';

export function clientUnderTest(): ClientUnderTest {
  const chosen = process.env.CONFORMANCE_CLIENT ?? 'websock';
  if (chosen !== 'websock' && chosen !== 'ws') {
    throw new Error(`CONFORMANCE_CLIENT must be "websock" or "ws", not ${JSON.stringify(chosen)}`);
  }
  return chosen;
}

export function echoClient(which: ClientUnderTest, options: { ca?: string } = {}): EchoClient {
  return which === 'ws' ? wsEchoClient(options) : websockEchoClient(options);
}
