// Shared by the checks on the built site: where it is, which packages it must document, and a
// tiny static server for it on 127.0.0.1.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const docsDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const repoRoot = resolve(docsDir, '..');
export const distDir = join(docsDir, '.vitepress/dist');

/** Published packages (packages/*, private ones left out): `{ dir, name }`. */
export function publishedPackages() {
  const packagesDir = join(repoRoot, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
    .map((entry) => ({
      dir: entry.name,
      ...JSON.parse(readFileSync(join(packagesDir, entry.name, 'package.json'), 'utf8')),
    }))
    .filter((pkg) => !pkg.private);
}

/** The file a site path is served from, as a static host does (x, x.html, x/index.html), or undefined. */
export function fileForPath(sitePath) {
  const clean = normalize(decodeURIComponent(sitePath)).replace(/^(\.\.[/\\])+/, '');
  const base = join(distDir, clean);
  for (const candidate of [base, `${base}.html`, join(base, 'index.html')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
};

/** Serves the built site on 127.0.0.1 (a free port); resolves with `{ url, close }`. */
export async function serveSite() {
  const server = createServer((req, res) => {
    const file = fileForPath(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(ok)) };
}
