// What both Autobahn scripts share: paths, the Docker and build checks, the wstest
// command line, and the per-category summary of a report.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const autobahnDir = join(appDir, 'autobahn');
const image = 'crossbario/autobahn-testsuite';

/** Exits 2 with a clear message when no Docker engine answers. */
export function requireDocker(hint) {
  const docker = spawnSync('docker', ['info'], { stdio: 'ignore' });
  if (!docker.error && docker.status === 0) return;
  console.error('Docker is not available (no docker command, or no running Docker engine).');
  console.error(`This script runs the official suite through the Docker image ${image}; install Docker and retry.`);
  if (hint) console.error(hint);
  process.exit(2);
}

/** Exits 2 when the echo app has not been built. */
export function requireBuilt(file) {
  if (existsSync(file)) return;
  console.error('Build first: pnpm turbo run build --filter=@websock/echo-server...');
  process.exit(2);
}

/**
 * `docker run` arguments for wstest in `mode` with a spec under autobahn/ (mounted as
 * /autobahn). Host networking: the suite reaches our servers on 127.0.0.1 (Linux Docker).
 */
export function wstestArgs(mode, spec) {
  return [
    'run',
    '--rm',
    '--network=host',
    '-v',
    `${autobahnDir}:/autobahn`,
    image,
    'wstest',
    '--mode',
    mode,
    '--spec',
    spec,
  ];
}

/**
 * Prints a per-category summary of an Autobahn|Testsuite index.json and returns how
 * many cases were not OK (behaviour and close behaviour both count).
 */
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
