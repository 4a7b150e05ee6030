import { Agent, WebSocket as UndiciWebSocket } from 'undici';
import type { CaseResult, EchoCase } from '../cases.js';
import type { Target } from '../servers.js';
import { runWhatwgCases, type WhatwgWebSocketClass } from './whatwg.js';

/**
 * undici's WebSocket (the package, not Node's bundled copy, so the version is the one pinned
 * in the catalog), through the same WHATWG runner as the browser. It offers
 * `permessage-deflate; client_max_window_bits` by default. For wss:// it gets a dispatcher
 * that trusts the test certificate: its WebSocketInit takes one, the WHATWG API has no such thing.
 */
export async function runWithUndici(target: Target, cases: readonly EchoCase[]): Promise<CaseResult[]> {
  const dispatcher = target.ca === undefined ? undefined : new Agent({ connect: { ca: target.ca } });
  const Trusting = class extends UndiciWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, {
        ...(protocols === undefined ? {} : { protocols }),
        ...(dispatcher === undefined ? {} : { dispatcher }),
      });
    }
  };
  try {
    return await runWhatwgCases({ url: target.url, cases }, Trusting as unknown as WhatwgWebSocketClass);
  } finally {
    await dispatcher?.close();
  }
}
