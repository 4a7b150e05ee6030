import { resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PORTABLE_PACKAGES, portableAliases, portableEntry, REPO_ROOT } from '../src/portable.js';

/** Bundles one entry for the browser, as an application's bundler would; throws what esbuild reports. */
async function bundleForBrowser(entry: string): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    // Minified, so comments are gone and what is left is code: a global such as `Buffer` or
    // `process` keeps its name (it is not a binding esbuild may rename).
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: REPO_ROOT,
    alias: portableAliases(),
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild wrote nothing');
  return { code: output.text, metafile: result.metafile };
}

/** Node's globals and module loader, which a browser does not have. */
const NODE_ONLY = /\b(?:Buffer|process|require|global|__dirname|__filename|setImmediate|clearImmediate)\b/g;

describe.each(PORTABLE_PACKAGES)('@websock/%s: the portable entry bundles for the browser', (pkg) => {
  it('is what a non-Node importer resolves, and builds from src', () => {
    const entry = portableEntry(pkg);
    expect(entry.published).toBe('./dist/index.js');
    expect(entry.source).toBe(resolve(entry.dir, 'src/index.ts'));
  });

  it('bundles with platform browser, with only portable sources and no Node globals', async () => {
    const { code, metafile } = await bundleForBrowser(portableEntry(pkg).source);
    // esbuild fails the build on any import it cannot resolve, `node:*` included; so getting
    // here means none. Every input is then a source file of the portable packages.
    const inputs = Object.keys(metafile.inputs);
    const outside = inputs.filter((input) => !/^packages\/(?:utf8|close|frame|handshake|protocol)\/src\//.test(input));
    expect(outside).toEqual([]);
    expect(inputs).toContain(`packages/${pkg}/src/index.ts`);
    expect([...new Set(code.match(NODE_ONLY))]).toEqual([]);
    expect(code.length).toBeGreaterThan(0);
  });
});

describe('the check itself', () => {
  it('fails on a Node entry: @websock/utf8 src/node.ts imports node:buffer', async () => {
    await expect(bundleForBrowser(resolve(REPO_ROOT, 'packages/utf8/src/node.ts'))).rejects.toThrow(
      /Could not resolve "node:buffer"/,
    );
  });

  it('fails on a Node entry: @websock/handshake src/node.ts imports node:crypto', async () => {
    await expect(bundleForBrowser(resolve(REPO_ROOT, 'packages/handshake/src/node.ts'))).rejects.toThrow(
      /Could not resolve "node:crypto"/,
    );
  });

  it('spots a Node global in the output', () => {
    expect('var a=Buffer.from(x);process.env.X'.match(NODE_ONLY)).toEqual(['Buffer', 'process']);
  });
});
