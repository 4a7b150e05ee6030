import { resolve } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineProject, type Plugin } from 'vitest/config';
import { moduleCopies } from '../testing/module-copies.js';
import { PORTABLE_PACKAGES, portableAliases, REPO_ROOT } from './src/portable.js';

/** Debian's chromium package; Playwright's own browser download is never used. */
const CHROMIUM_PATH = process.env.BROWSER_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Every test file of the portable packages, run in Chromium as well as on Node. A file named
 * `*.node.test.ts` holds what only Node can run (a node:http server as the oracle, the Node
 * entry's own code) and says why at its top. The portable packages' `@websock/*` imports
 * resolve to their portable `src/index.ts`, never to `src/node.ts`.
 */
const TESTS = PORTABLE_PACKAGES.map((pkg) => `packages/${pkg}/test/**/*.test.ts`);
const NODE_ONLY_TESTS = PORTABLE_PACKAGES.map((pkg) => `packages/${pkg}/test/**/*.node.test.ts`);

/**
 * Some test files import both entries of their package by path (`../src/node`) to test them
 * alike. In the browser there is no Node entry: such an import gets the package's portable
 * `src/index.ts`, so both halves of those tests run the portable code.
 */
function nodeEntryIsPortable(): Plugin {
  return {
    name: 'websock-node-entry-is-portable',
    enforce: 'pre',
    resolveId(source, importer) {
      if (importer === undefined || !/^\.\.\/src\/node(?:\.js|\.ts)?$/.test(source)) return null;
      const match = /[\\/]packages[\\/]([\w-]+)[\\/]test[\\/]/.exec(importer);
      return match === null ? null : resolve(REPO_ROOT, 'packages', match[1] as string, 'src/index.ts');
    },
  };
}

export default defineProject({
  // `import('x?copy')`: a second copy of a package for the dual-package tests (brand.test.ts).
  plugins: [nodeEntryIsPortable(), moduleCopies(REPO_ROOT)],
  resolve: { alias: portableAliases() },
  // The fuzz tests read their run count from the environment, which a page does not have.
  define: { 'process.env.FUZZ_RUNS': JSON.stringify(process.env.FUZZ_RUNS) ?? 'undefined' },
  test: {
    name: '@websock/browser (chromium)',
    root: REPO_ROOT,
    include: TESTS,
    exclude: NODE_ONLY_TESTS,
    setupFiles: [resolve(REPO_ROOT, 'tooling/browser/src/browser-setup.ts')],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      api: { host: '127.0.0.1' },
      provider: playwright({
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
