// Checks the built site (run `pnpm docs` first). VitePress already fails the build on a dead
// link in the Markdown; this checks what it cannot see: every link and asset in the generated
// HTML resolves to a file of the site, and every published package has its page and its API
// reference.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { distDir, fileForPath, publishedPackages } from './site.mjs';

function htmlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return htmlFiles(path);
    return entry.name.endsWith('.html') ? [path] : [];
  });
}

const problems = [];
let pages;
try {
  pages = htmlFiles(distDir);
} catch {
  console.error(`no built site in ${distDir}: run \`pnpm docs\` first`);
  process.exit(1);
}

let links = 0;
for (const file of pages) {
  const sitePath = `/${relative(distDir, file).split('\\').join('/')}`;
  const html = readFileSync(file, 'utf8');
  for (const [, attr, value] of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
    if (/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(value)) continue; // external, mailto, in-page
    const target = value.split(/[#?]/)[0];
    if (target === '') continue;
    links++;
    const resolved = target.startsWith('/') ? target : posix.join(posix.dirname(sitePath), target);
    if (!fileForPath(resolved)) problems.push(`${sitePath}: ${attr}="${value}" leads nowhere`);
  }
}

for (const pkg of publishedPackages()) {
  for (const path of [`/packages/${pkg.dir}/`, `/api/${pkg.name}/`]) {
    if (!fileForPath(path)) problems.push(`${pkg.name}: no page at ${path}`);
  }
}
for (const path of ['/apps/bench/results/latest.html', '/guide/getting-started.html', '/api/']) {
  if (!fileForPath(path)) problems.push(`missing page ${path}`);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`${problems.length} problem(s) in the built site`);
  process.exit(1);
}
console.log(`site OK: ${pages.length} pages, ${links} local links and assets, all resolved`);
