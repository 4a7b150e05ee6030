// Prints a per-category summary of an Autobahn|Testsuite index.json and returns how
// many cases were not OK (behaviour and close behaviour both count).
import { readFileSync } from 'node:fs';

const GOOD = new Set(['OK', 'INFORMATIONAL']);

export function summarizeReport(indexPath) {
  const report = JSON.parse(readFileSync(indexPath, 'utf8'));
  let notOk = 0;
  for (const [agent, results] of Object.entries(report)) {
    const byCategory = new Map();
    for (const [id, result] of Object.entries(results)) {
      const category = id.split('.')[0];
      const row = byCategory.get(category) ?? { total: 0, ok: 0, other: [] };
      row.total++;
      if (GOOD.has(result.behavior) && GOOD.has(result.behaviorClose)) row.ok++;
      else row.other.push(`${id} (${result.behavior}/${result.behaviorClose})`);
      byCategory.set(category, row);
    }
    console.log(`\n${agent}`);
    for (const [category, row] of [...byCategory].sort((a, b) => Number(a[0]) - Number(b[0]))) {
      const failures = row.other.length > 0 ? `  not OK: ${row.other.join(', ')}` : '';
      console.log(`  ${category.padStart(2)}: ${row.ok}/${row.total} OK${failures}`);
      notOk += row.other.length;
    }
  }
  return notOk;
}
