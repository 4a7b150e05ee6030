import { describe, expect, it } from 'vitest';
import { breakdownPerConnection, type HeapSnapshot, totalsByType } from '../src/lib/heap-breakdown.js';
import { renderProfile, summariseProfile } from '../src/lib/profile-summary.js';

/** A heap snapshot in V8's format with the given (type, name, self size) nodes. */
function snapshot(nodes: Array<[string, string, number]>): HeapSnapshot {
  const types = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'native', 'synthetic'];
  const strings: string[] = [];
  const intern = (text: string) => {
    const at = strings.indexOf(text);
    return at >= 0 ? at : strings.push(text) - 1;
  };
  return {
    snapshot: { meta: { node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [types] } },
    nodes: nodes.flatMap(([type, name, size], id) => [types.indexOf(type), intern(name), id, size, 0]),
    strings,
  };
}

describe('heap breakdown', () => {
  it('groups objects by constructor and the rest by kind', () => {
    const totals = totalsByType(
      snapshot([
        ['object', 'Socket', 304],
        ['object', 'Socket', 304],
        ['string', 'abc', 32],
        ['string', 'def', 24],
        ['native', 'Node / TCPSocketWrap', 408],
      ]),
    );
    expect(totals.get('Socket')).toEqual({ count: 2, bytes: 608 });
    expect(totals.get('(strings)')).toEqual({ count: 2, bytes: 56 });
    expect(totals.get('(native) Node / TCPSocketWrap')).toEqual({ count: 1, bytes: 408 });
  });

  it('divides the growth by the connections, largest first, and drops what barely moved', () => {
    const before = totalsByType(snapshot([['object', 'Socket', 304]]));
    const after = totalsByType(
      snapshot([
        ['object', 'Socket', 304],
        ['object', 'Socket', 304],
        ['object', 'Socket', 304],
        ['object', 'Connection', 200],
        ['object', 'Connection', 200],
        ['object', 'Tiny', 4],
      ]),
    );
    expect(breakdownPerConnection(before, after, 2)).toEqual([
      { label: 'Socket', perConnection: 1, bytesPerConnection: 304 },
      { label: 'Connection', perConnection: 1, bytesPerConnection: 200 },
    ]);
  });
});

describe('CPU profile summary', () => {
  // root -> a (2 hits) -> b (6 hits) -> a (2 hits, recursion); idle 10 hits; 20 hits over 20 ms.
  const profile = {
    startTime: 0,
    endTime: 20_000,
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, hitCount: 0, children: [2, 5] },
      { id: 2, callFrame: { functionName: 'a', url: 'file:///x/a.js', lineNumber: 9 }, hitCount: 2, children: [3] },
      { id: 3, callFrame: { functionName: 'b', url: 'file:///x/b.js', lineNumber: 0 }, hitCount: 6, children: [4] },
      { id: 4, callFrame: { functionName: 'a', url: 'file:///x/a.js', lineNumber: 9 }, hitCount: 2 },
      { id: 5, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 }, hitCount: 10 },
    ],
  };

  it('counts self time per function and inclusive time once per sample, of the busy time', () => {
    const summary = summariseProfile(profile);
    expect(summary.wallMs).toBe(20);
    expect(summary.busyMs).toBe(10);
    const byName = Object.fromEntries(summary.rows.map((row) => [row.name, row]));
    expect(byName['a a.js:10']).toEqual({ name: 'a a.js:10', selfMs: 4, totalMs: 10 });
    expect(byName['b b.js:1']).toEqual({ name: 'b b.js:1', selfMs: 6, totalMs: 8 });
    expect(byName['(idle)']).toBeUndefined();
  });

  it('renders the top functions as markdown tables', () => {
    const text = renderProfile(summariseProfile(profile), 1);
    expect(text).toContain('of which 0.01 s busy');
    expect(text).toContain('| `b b.js:1` | 6 | 60.0% | 80.0% |');
    expect(text).toContain('| `a a.js:10` | 10 | 100.0% | 40.0% |');
  });
});
