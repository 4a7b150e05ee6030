// API reference: one Markdown section per published package (packages/*, private ones left
// out), generated from the doc comments in its sources (src/index.ts, its public entry) into
// api/, which VitePress then builds like any other page. Generated, not committed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const packagesDir = new URL('../packages/', import.meta.url);
const published = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(new URL(`${entry.name}/package.json`, packagesDir)))
  .filter((entry) => !JSON.parse(readFileSync(new URL(`${entry.name}/package.json`, packagesDir), 'utf8')).private)
  .map((entry) => join('../packages', entry.name))
  .sort();

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  name: 'websock',
  entryPointStrategy: 'packages',
  entryPoints: published,
  packageOptions: {
    entryPoints: ['src/index.ts'],
    // The packages' own tsconfig.json also compiles their tests; `pnpm typecheck` checks those.
    skipErrorChecking: true,
    excludeInternal: true,
    excludePrivate: true,
    readme: 'none',
    disableGit: true,
    sourceLinkTemplate: 'https://github.com/websock/websock/blob/{gitRevision}/{path}#L{line}',
    gitRevision: 'main',
  },
  plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
  out: './api',
  docsRoot: './',
  readme: 'none',
  entryFileName: 'index',
  hidePageHeader: true,
  hideBreadcrumbs: true,
  disableGit: true,
  sourceLinkTemplate: 'https://github.com/websock/websock/blob/{gitRevision}/{path}#L{line}',
  gitRevision: 'main',
  excludeInternal: true,
  excludePrivate: true,
  useCodeBlocks: true,
  parametersFormat: 'table',
  interfacePropertiesFormat: 'table',
  classPropertiesFormat: 'table',
  typeDeclarationFormat: 'table',
  sidebar: { autoConfiguration: true, format: 'vitepress', pretty: true, collapsed: true },
};
