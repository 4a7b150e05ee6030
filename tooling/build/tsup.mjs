// Shared tsup settings. Plain JavaScript on purpose: tsup loads configs from
// node_modules without transpiling them, and Node 20 cannot run TypeScript.

/**
 * Builds a library package to ESM (.js) and CJS (.cjs) with matching .d.ts/.d.cts.
 * @param {Record<string, string> | string[]} entry entry points, e.g. { index: 'src/index.ts' }
 * @param {import('tsup').Options} [overrides]
 * @returns {import('tsup').Options}
 */
export function libraryConfig(entry = { index: 'src/index.ts' }, overrides = {}) {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    platform: 'node',
    splitting: false,
    treeshake: true,
    ...overrides,
  };
}

/**
 * Builds a Node application (ESM only, no declarations).
 * @param {Record<string, string> | string[]} entry
 * @param {import('tsup').Options} [overrides]
 * @returns {import('tsup').Options}
 */
export function appConfig(entry, overrides = {}) {
  return {
    entry,
    format: ['esm'],
    dts: false,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    ...overrides,
  };
}
