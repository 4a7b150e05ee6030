// Where an idle connection's heap goes: two V8 heap snapshots of one server process (before and
// after opening N connections) aggregated by object type, and the difference divided by N.
// Pure functions over the snapshot JSON (node:v8 writeHeapSnapshot format), so they are testable
// without a server.

export interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface TypeTotals {
  count: number;
  bytes: number;
}

/** Node types whose name says little: they are grouped by type (and, for some, a short name). */
const GROUPED_TYPES: ReadonlySet<string> = new Set(['string', 'concatenated string', 'sliced string', 'code']);

/** The label a snapshot node is counted under: the constructor for objects, the kind for the rest. */
function labelOf(type: string, name: string): string {
  if (type === 'object') return name;
  if (GROUPED_TYPES.has(type)) return type === 'code' ? '(compiled code)' : '(strings)';
  if (type === 'native' || type === 'synthetic') return `(native) ${name}`;
  if (type === 'closure') return '(closures)';
  if (type === 'array') return '(internal arrays)';
  return `(${type})`;
}

/** Self sizes and counts of every node of a snapshot, by label. */
export function totalsByType(snapshot: HeapSnapshot): Map<string, TypeTotals> {
  const { node_fields: fields, node_types: nodeTypes } = snapshot.snapshot.meta;
  const types = nodeTypes[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const totals = new Map<string, TypeTotals>();
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const label = labelOf(types[nodes[i + typeAt]!] ?? 'unknown', strings[nodes[i + nameAt]!] ?? '');
    const entry = totals.get(label);
    const bytes = nodes[i + sizeAt]!;
    if (entry === undefined) totals.set(label, { count: 1, bytes });
    else {
      entry.count++;
      entry.bytes += bytes;
    }
  }
  return totals;
}

export interface BreakdownRow {
  label: string;
  /** Objects of this type per connection (may be fractional: shared or transient ones). */
  perConnection: number;
  bytesPerConnection: number;
}

/**
 * The growth from `before` to `after` per connection, by type, largest first; types that moved
 * by less than `minBytes` per connection (either way) are left out.
 */
export function breakdownPerConnection(
  before: Map<string, TypeTotals>,
  after: Map<string, TypeTotals>,
  connections: number,
  minBytes = 4,
): BreakdownRow[] {
  const rows: BreakdownRow[] = [];
  for (const [label, totals] of after) {
    const base = before.get(label) ?? { count: 0, bytes: 0 };
    const bytesPerConnection = (totals.bytes - base.bytes) / connections;
    if (Math.abs(bytesPerConnection) < minBytes) continue;
    rows.push({ label, perConnection: (totals.count - base.count) / connections, bytesPerConnection });
  }
  return rows.sort((a, b) => b.bytesPerConnection - a.bytesPerConnection);
}
