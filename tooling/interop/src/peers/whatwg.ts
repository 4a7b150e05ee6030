import type { CaseResult, EchoCase, WireMessage } from '../cases.js';

export interface WhatwgRunInput {
  readonly url: string;
  readonly cases: readonly EchoCase[];
}

/** The constructor shape shared by the browser's WebSocket and undici's. */
export type WhatwgWebSocketClass = new (url: string, protocols?: string | string[]) => WebSocket;

/**
 * Runs the echo cases with a WHATWG WebSocket, one connection per case, one case after the other.
 *
 * Self-contained on purpose: Playwright serialises this function into the browser page
 * (`page.evaluate(runWhatwgCases, input)`), so it may use nothing from outside its own body
 * but standard globals (btoa, atob, WebSocket). In Node, undici passes its own class.
 */
export async function runWhatwgCases(input: WhatwgRunInput, Impl?: WhatwgWebSocketClass): Promise<CaseResult[]> {
  const WebSocketClass: WhatwgWebSocketClass = Impl ?? (globalThis.WebSocket as unknown as WhatwgWebSocketClass);
  const toBase64 = (bytes: Uint8Array): string => {
    let binaryString = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binaryString += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binaryString);
  };
  const fromBase64 = (base64: string): Uint8Array => {
    const binaryString = atob(base64);
    const bytes = new Uint8Array(binaryString.length);
    for (let i = 0; i < binaryString.length; i++) bytes[i] = binaryString.charCodeAt(i);
    return bytes;
  };
  const runCase = (echoCase: EchoCase): Promise<CaseResult> =>
    new Promise((resolve) => {
      const echoes: WireMessage[] = [];
      let socket: WebSocket;
      const url = input.url + (echoCase.path ?? '');
      try {
        socket =
          echoCase.protocols === undefined ? new WebSocketClass(url) : new WebSocketClass(url, [...echoCase.protocols]);
      } catch (error) {
        resolve({ opened: false, error: String(error), protocol: '', extensions: '', echoes });
        return;
      }
      let opened = false;
      let error: string | undefined;
      let protocol = '';
      let extensions = '';
      // Without a close of its own, the client waits for the server's.
      const closeNow = () => {
        if (echoCase.close !== undefined) socket.close(echoCase.close.code, echoCase.close.reason);
      };
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => {
        opened = true;
        protocol = socket.protocol;
        extensions = socket.extensions;
        for (const message of echoCase.messages) {
          socket.send('text' in message ? message.text : fromBase64(message.base64));
        }
        if (echoCase.messages.length === 0) closeNow();
      };
      socket.onmessage = (event: MessageEvent) => {
        echoes.push(
          typeof event.data === 'string'
            ? { text: event.data }
            : { base64: toBase64(new Uint8Array(event.data as ArrayBuffer)) },
        );
        if (echoes.length === echoCase.messages.length) closeNow();
      };
      socket.onerror = () => {
        error ??= 'error event (the API gives no detail)';
      };
      socket.onclose = (event: CloseEvent) => {
        resolve({
          opened,
          ...(error === undefined ? {} : { error }),
          protocol,
          extensions,
          echoes,
          close: { code: event.code, reason: event.reason, wasClean: event.wasClean },
        });
      };
    });
  const results: CaseResult[] = [];
  for (const echoCase of input.cases) results.push(await runCase(echoCase));
  return results;
}
