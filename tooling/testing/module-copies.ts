// A vitest (Vite) plugin, used by the root vitest.config.ts and by tooling/browser's Chromium
// project. Type-only imports from vitest: the config loader bundles this file, nothing else does.
import { resolve, sep } from 'node:path';
import type { Plugin } from 'vitest/config';

/** The query that asks for a second copy of a module and of everything it imports from the repository. */
export const COPY_QUERY = '?copy';

/**
 * `import('../src/index.js?copy')` evaluates that module, and every module of the repository it
 * imports (directly or not), a second time as separate modules: the query is passed on to each
 * import made by a module loaded with it. Tests use it to stand in for a second copy of a
 * package, as when an application loads both its ESM and its CJS build (the dual-package
 * hazard). It works alike on Node and in a browser, where `vi.resetModules()` cannot help: a
 * browser's module map is never cleared, but a URL with another query is another module.
 * Dependencies outside the repository (node_modules) stay shared, as they would be.
 */
export function moduleCopies(repoRoot: string): Plugin {
  const root = resolve(repoRoot) + sep;
  const isRepositorySource = (id: string) =>
    id.startsWith(root) && !id.includes(`${sep}node_modules${sep}`) && !id.includes('?');
  return {
    name: 'websock-module-copies',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (importer === undefined || !importer.endsWith(COPY_QUERY) || source.includes('?')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (resolved === null || resolved.external || !isRepositorySource(resolved.id)) return resolved;
      return { ...resolved, id: `${resolved.id}${COPY_QUERY}` };
    },
  };
}
