// Node only: this compares the Node entry (src/node.ts, node:crypto behind the accept value)
// with the portable one and reads the sources with node:fs. A browser has only the portable
// entry, whose behaviour the other test files cover in Chromium too (tooling/browser).
import { describe, expect, it } from 'vitest';
import * as portable from '../src/index.js';
import * as node from '../src/node.js';
import { SAMPLE_ACCEPT, SAMPLE_KEY } from './corpus.js';

describe('entry points', () => {
  it('the node entry exports exactly the names of the portable entry', () => {
    expect(Object.keys(node).sort()).toEqual(Object.keys(portable).sort());
  });

  it('computeAcceptKey differs by implementation only', () => {
    expect(node.computeAcceptKey).not.toBe(portable.computeAcceptKey);
  });

  it('both entries answer the same', () => {
    for (const entry of [portable, node]) {
      expect(entry.computeAcceptKey(SAMPLE_KEY)).toBe(SAMPLE_ACCEPT);
      expect(entry.buildAcceptResponse({ key: SAMPLE_KEY })).toContain(`Sec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n`);
      const hs = entry.createClientHandshake({ host: 'a', path: '/' });
      const response = {
        status: 101,
        headers: {
          upgrade: 'websocket',
          connection: 'upgrade',
          'sec-websocket-accept': entry.computeAcceptKey(hs.key),
        },
      };
      expect(portable.validateServerResponse(response, hs)).toEqual(node.validateServerResponse(response, hs));
    }
  });

  it('the portable source imports no Node built-in', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../src/', import.meta.url);
    for (const file of readdirSync(dir)) {
      if (file === 'node.ts') continue;
      expect(readFileSync(new URL(file, dir), 'utf8'), file).not.toMatch(/from '(node:|buffer|crypto)/);
    }
  });
});
