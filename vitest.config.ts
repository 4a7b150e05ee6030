import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { moduleCopies } from './tooling/testing/module-copies.js';

// Tests run against source, never against a build: every `@websock/*` import is
// aliased to the package's own `src`. A package that ships a Node-specific entry
// (`src/node.ts`, published under the `node` export condition) is tested through
// it, since the tests run on Node; its portable entry is tested by relative import.
const workspaceDirs = ['packages', 'apps', 'tooling'].flatMap((group) =>
  readdirSync(resolve(group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(resolve(group, entry.name, 'package.json')))
    .map((entry) => join(group, entry.name)),
);

// Exact matches only: a subpath such as `@websock/utf8/portable` resolves through the package's exports.
const alias: Array<{ find: RegExp; replacement: string }> = [];
const projects = workspaceDirs.map((dir) => {
  const { name } = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as { name: string };
  const nodeEntry = resolve(dir, 'src/node.ts');
  const indexEntry = resolve(dir, 'src/index.ts');
  if (!dir.startsWith('tooling/') && existsSync(indexEntry)) {
    alias.push({
      find: new RegExp(`^${name.replace('/', '\\/')}$`),
      replacement: existsSync(nodeEntry) ? nodeEntry : indexEntry,
    });
  }
  return { name, dir };
});

export default defineConfig({
  test: {
    // CI reads its totals from the JSON report (see .ci/totals.mjs).
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: resolve('.ci/vitest-report.json') },
    projects: [
      // A workspace may add a project of its own (tooling/browser: the portable packages' tests in Chromium).
      ...workspaceDirs.map((dir) => resolve(dir, 'vitest.browser.config.ts')).filter((file) => existsSync(file)),
      ...projects.map(({ name, dir }) => ({
        // `import('x?copy')`: a second copy of a package for the dual-package tests (brand.test.ts).
        plugins: [moduleCopies(resolve('.'))],
        resolve: { alias },
        test: {
          name,
          root: resolve(dir),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      })),
    ],
  },
});
