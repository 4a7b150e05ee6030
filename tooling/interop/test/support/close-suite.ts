import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, EchoCase } from '../../src/cases.js';
import { CLOSE_CASES, type CloseCase } from '../../src/close-cases.js';
import { type ScriptedServer, type ServerSideClose, startScriptedServer } from '../../src/scripted-server.js';
import { type Target, VARIANTS } from '../../src/servers.js';

/** A WHATWG client: it exposes `wasClean`. */
export interface ClosePeer {
  readonly name: string;
  /** Whether the client offers permessage-deflate: then the deflate variant must negotiate it. */
  readonly offersDeflate: boolean;
  run(target: Target, cases: readonly EchoCase[]): Promise<CaseResult[]>;
}

/**
 * Closes in both directions for a peer whose API exposes `wasClean` (WHATWG clients): each
 * case gets a scripted server of its own (a shutdown or a vanished socket leaves nothing to
 * share), the peer runs the case, and the test waits for the server's `close` handler.
 */
export function defineCloseSuite(peer: ClosePeer): void {
  describe.each(VARIANTS)(`${peer.name} closing against a scripted server over $name`, (variant) => {
    const outcomes: CloseOutcome[] = [];
    const running = new Set<ScriptedServer>();

    beforeAll(async () => {
      for (const closeCase of CLOSE_CASES) {
        const server = await startScriptedServer(variant);
        running.add(server);
        const [client] = await peer.run(server, [closeCase]);
        // The page has seen its close event; the server reports its own once the socket is gone.
        outcomes.push({ client, server: [...(await server.closed(1))] });
        await server.close();
        running.delete(server);
      }
    }, 60_000);

    afterAll(async () => {
      await Promise.all([...running].map((server) => server.close()));
    });

    it.each(CLOSE_CASES.map((closeCase, index) => ({ closeCase, index, title: closeCase.name })))(
      '$title',
      ({ closeCase, index }) => {
        expectCloseOutcome(closeCase, outcomes[index], variant.deflate && peer.offersDeflate);
      },
    );
  });
}

/** One close case as both ends saw it. */
export interface CloseOutcome {
  readonly client: CaseResult | undefined;
  readonly server: readonly ServerSideClose[];
}

/**
 * What one close case must have produced: the echo before the close, the close the client
 * saw and the one the server's handler reported, no error event; permessage-deflate
 * negotiated exactly when both sides have it (`deflate`).
 */
export function expectCloseOutcome(closeCase: CloseCase, outcome: CloseOutcome | undefined, deflate: boolean): void {
  expect(outcome, 'no outcome for this case').toBeDefined();
  if (outcome === undefined) return;
  const { client, server } = outcome;
  expect(client, 'the peer reported no result').toBeDefined();
  if (client === undefined) return;
  expect({ opened: client.opened, protocol: client.protocol }).toEqual({ opened: true, protocol: '' });
  expect(client.echoes, 'the echo came back before the close').toEqual(closeCase.expectEchoes);
  expect(client.close, 'close as the client saw it').toEqual(closeCase.expectClose);
  // No `error` event, even when the server went away: WHATWG fires it only where the client
  // had to fail the connection (a protocol error), and a vanished peer is merely closed (1006).
  expect(client.error).toBeUndefined();
  expect(server, 'close as the server saw it').toEqual([closeCase.expectServerClose]);
  if (deflate) expect(client.extensions).toContain('permessage-deflate');
  else expect(client.extensions).toBe('');
}
