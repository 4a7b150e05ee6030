import WebSocket from 'ws';
import type { CaseResult, EchoCase, WireMessage } from '../cases.js';
import type { Target } from '../servers.js';

/**
 * The `ws` package as the client, with its defaults: it offers permessage-deflate
 * (`perMessageDeflate: true`) and verifies certificates, so wss:// trusts the test CA.
 */
export async function runWithWs(target: Target, cases: readonly EchoCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const echoCase of cases) results.push(await runCase(target, echoCase));
  return results;
}

function runCase(target: Target, echoCase: EchoCase): Promise<CaseResult> {
  return new Promise((resolve) => {
    const socket = new WebSocket(
      target.url + (echoCase.path ?? ''),
      echoCase.protocols === undefined ? [] : [...echoCase.protocols],
      target.ca === undefined ? {} : { ca: target.ca },
    );
    const echoes: WireMessage[] = [];
    let opened = false;
    let error: string | undefined;
    // Without a close of its own, the client waits for the server's.
    const closeNow = () => {
      if (echoCase.close !== undefined) socket.close(echoCase.close.code, echoCase.close.reason);
    };
    socket.on('open', () => {
      opened = true;
      for (const message of echoCase.messages) {
        socket.send('text' in message ? message.text : Buffer.from(message.base64, 'base64'));
      }
      if (echoCase.messages.length === 0) closeNow();
    });
    socket.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      echoes.push(isBinary ? { base64: bytes.toString('base64') } : { text: bytes.toString('utf8') });
      if (echoes.length === echoCase.messages.length) closeNow();
    });
    socket.on('error', (cause) => {
      error ??= cause.message;
    });
    // The EventTarget form of 'close' carries wasClean; the emitter form does not.
    socket.addEventListener('close', (event) => {
      resolve({
        opened,
        ...(error === undefined ? {} : { error }),
        protocol: socket.protocol,
        extensions: socket.extensions,
        echoes,
        close: { code: event.code, reason: event.reason, wasClean: event.wasClean },
      });
    });
  });
}
