import { resolve } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineProject, type Plugin } from 'vitest/config';
import { portableAliases, REPO_ROOT } from './src/portable.js';

/** Debian's chromium package; Playwright's own browser download is never used. */
const CHROMIUM_PATH = process.env.BROWSER_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The portable packages' own test files, run in Chromium. Left out: files that use Node
 * (`Buffer`, `node:*`, servers and sockets) or test the Node entries. The portable packages'
 * `@websock/*` imports resolve to their portable `src/index.ts`, never to `src/node.ts`.
 */
const TESTS = [
  // Left out for now, as they stand: utf8 exhaustive.*, frame parser/serializer (Buffer in the
  // test code), handshake accept (node:crypto as the reference), and both brand.test.ts (a second
  // copy of the package through vi.resetModules, which browser mode does not give).
  'packages/utf8/test/{autobahn,property}.test.ts',
  'packages/close/test/*.test.ts',
  'packages/frame/test/{header,mask,roundtrip,fuzz}.test.ts',
  'packages/handshake/test/{extensions,protocols}.test.ts',
  'packages/protocol/test/{connection,error-codes,failure-codes,fuzz,prepared}.test.ts',
];

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
  plugins: [nodeEntryIsPortable()],
  resolve: { alias: portableAliases() },
  // The fuzz tests read their run count from the environment, which a page does not have.
  define: { 'process.env.FUZZ_RUNS': JSON.stringify(process.env.FUZZ_RUNS) ?? 'undefined' },
  test: {
    name: '@websock/browser (chromium)',
    root: REPO_ROOT,
    include: TESTS,
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
