import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tooling/browser/src/portable.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The packages that promise to run anywhere (browsers, Deno, Bun, workers), not only on Node. */
export const PORTABLE_PACKAGES = ['utf8', 'close', 'frame', 'handshake', 'protocol'] as const;
export type PortablePackage = (typeof PORTABLE_PACKAGES)[number];

type Conditions = { readonly [condition: string]: string | Conditions };

export interface PortableEntry {
  readonly name: string;
  readonly dir: string;
  /** What a bundler outside Node gets: the `import` default of the `.` export, outside the `node` condition. */
  readonly published: string;
  /** The source that published file is built from (dist/X.js from src/X.ts). */
  readonly source: string;
}

/** Reads the package's exports map: the portable entry is whatever a non-Node ESM importer resolves. */
export function portableEntry(pkg: PortablePackage): PortableEntry {
  const dir = resolve(REPO_ROOT, 'packages', pkg);
  const manifest = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as {
    name: string;
    exports: { readonly '.': Conditions };
  };
  const dot = manifest.exports['.'];
  const esm = dot.import;
  const published = typeof esm === 'object' && typeof esm.default === 'string' ? esm.default : undefined;
  if (published === undefined) throw new Error(`${manifest.name}: no import.default in exports["."]`);
  const match = /^\.\/dist\/([\w-]+)\.js$/.exec(published);
  if (match === null) throw new Error(`${manifest.name}: unexpected portable entry ${published}`);
  return { name: manifest.name, dir, published, source: resolve(dir, 'src', `${match[1]}.ts`) };
}

/** `@websock/<pkg>` to its portable source, for bundling and for the browser test project. */
export function portableAliases(): Record<string, string> {
  return Object.fromEntries(PORTABLE_PACKAGES.map((pkg) => [`@websock/${pkg}`, portableEntry(pkg).source]));
}
