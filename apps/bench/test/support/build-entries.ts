import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'tsup';

export const benchDir = resolve(import.meta.dirname, '../..');
const repoDir = resolve(benchDir, '../..');

/**
 * Builds bench entries (paths relative to apps/bench, e.g. 'src/loadgen.ts') into `outDir`.
 * Servers and load generators run as child processes, outside vitest's aliases: the workspace
 * packages are bundled from their sources, so a test needs no build of them.
 */
export async function buildEntries(entries: readonly string[], outDir: string): Promise<void> {
  const alias: Record<string, string> = {};
  for (const name of readdirSync(join(repoDir, 'packages'))) {
    const dir = join(repoDir, 'packages', name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    const entry = existsSync(join(dir, 'src/node.ts')) ? join(dir, 'src/node.ts') : join(dir, 'src/index.ts');
    if (existsSync(entry)) alias[pkg.name] = entry;
  }
  await build({
    config: false,
    entry: entries.map((entry) => join(benchDir, entry)),
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    silent: true,
    noExternal: [/^@websock\//],
    esbuildOptions(options) {
      options.alias = alias;
    },
  });
}
