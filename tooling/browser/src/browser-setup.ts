// Setup of the Chromium test project only. The packages' own code never needs these (the esbuild
// check in test/portable-bundle.test.ts rejects Node globals in their bundles); a few of their
// test files schedule with `setImmediate` to let pending work run, which a macrotask does too.
const scope = globalThis as { setImmediate?: (callback: () => void) => unknown };
scope.setImmediate ??= (callback) => setTimeout(callback, 0);
