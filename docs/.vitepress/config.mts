import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type MarkdownRenderer } from 'vitepress';

const docsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(docsDir, '..');
const repoUrl = 'https://github.com/websock/websock';

// The package READMEs are included into pages that sit at the same place inside docs/ as the
// README in the repository (docs/packages/server/index.md includes packages/server/README.md),
// so their relative links keep working. A link that still lands on no page but on a file or
// folder of the repository (source files, scripts, fixtures) becomes a link to it on GitHub;
// an image there is bundled from the repository. Anything else is left alone, and VitePress
// fails the build on it as a dead link.
function pageKind(docsRelative: string): 'file' | 'folder' | undefined {
  const base = join(docsDir, docsRelative);
  if ((docsRelative.endsWith('.md') && existsSync(base)) || existsSync(`${base}.md`)) return 'file';
  return existsSync(join(base, 'index.md')) ? 'folder' : undefined;
}

function rewriteTarget(url: string, pagePath: string, image: boolean): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:|^#|^\/\//i.test(url)) return undefined; // external or in-page
  const [path = '', hash = ''] = url.split(/(?=#)/);
  if (path === '') return undefined;
  const absolute = path.startsWith('/') ? join(docsDir, path) : resolve(docsDir, dirname(pagePath), path);
  const inDocs = relative(docsDir, absolute);
  const docsRelative = inDocs.startsWith('..') ? undefined : inDocs.split('\\').join('/');
  if (!image && docsRelative !== undefined) {
    const kind = pageKind(docsRelative);
    // A folder with an index page (`packages/utf8`, as GitHub links folders): its index page.
    if (kind === 'folder') return path.endsWith('/') ? undefined : `${path}/${hash}`;
    if (kind === 'file') return undefined;
    // A link to another package's README.md: its page.
    if (posix.basename(docsRelative) === 'README.md' && pageKind(posix.dirname(docsRelative)) === 'folder') {
      return `${posix.dirname(path)}/${hash}`;
    }
  }
  // The repository file this link means: the mirrored path for an included README, else the real one.
  const repoPath = docsRelative !== undefined && !existsSync(absolute) ? docsRelative : relative(repoRoot, absolute);
  if (repoPath.startsWith('..')) return undefined;
  const target = join(repoRoot, repoPath);
  if (!existsSync(target)) return undefined;
  if (image)
    return relative(join(docsDir, dirname(pagePath)), target)
      .split('\\')
      .join('/');
  const kind = statSync(target).isDirectory() ? 'tree' : 'blob';
  return `${repoUrl}/${kind}/main/${repoPath.split('\\').join('/')}${hash}`;
}

function repositoryLinks(md: MarkdownRenderer): void {
  md.core.ruler.push('websock-repository-links', (state) => {
    const pagePath: string | undefined = state.env?.relativePath;
    if (!pagePath) return;
    const visit = (tokens: typeof state.tokens) => {
      for (const token of tokens) {
        if (token.children) visit(token.children);
        const attr = token.type === 'link_open' ? 'href' : token.type === 'image' ? 'src' : undefined;
        if (!attr) continue;
        const value = token.attrGet(attr);
        if (!value) continue;
        const rewritten = rewriteTarget(value, pagePath, token.type === 'image');
        if (rewritten !== undefined) token.attrSet(attr, rewritten);
      }
    };
    visit(state.tokens);
  });
}

const apiSidebarFile = join(docsDir, 'api/typedoc-sidebar.json');
const apiSidebar = existsSync(apiSidebarFile) ? JSON.parse(readFileSync(apiSidebarFile, 'utf8')) : [];

const published = readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(repoRoot, 'packages', entry.name, 'package.json')))
  .map((entry) => ({
    dir: entry.name,
    ...(JSON.parse(readFileSync(join(repoRoot, 'packages', entry.name, 'package.json'), 'utf8')) as {
      name: string;
      private?: boolean;
    }),
  }))
  .filter((pkg) => !pkg.private)
  .sort((a, b) => a.name.localeCompare(b.name));

export default defineConfig({
  title: 'websock',
  description: 'Composable, strict and fast WebSocket packages for Node.js',
  lang: 'en-US',
  // Without an icon every browser asks for /favicon.ico and logs a 404 (scripts/screenshots.mjs
  // fails on console errors); public/ is copied to the site's root.
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  cleanUrls: false,
  lastUpdated: false,
  // Dead links fail the build (VitePress's default): keep it that way.
  srcExclude: ['README.md', 'test/**', 'scripts/**'],
  markdown: {
    config: (md) => repositoryLinks(md),
  },
  // The local search index makes one large chunk; that is expected.
  vite: { build: { chunkSizeWarningLimit: 4096 } },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Packages', link: '/overview' },
      { text: 'API', link: '/api/' },
      { text: 'Results', link: '/results' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar }],
      '/': [
        {
          text: 'Guide',
          items: [
            { text: 'Getting started', link: '/guide/getting-started' },
            { text: 'Server', link: '/guide/server' },
            { text: 'Client', link: '/guide/client' },
            { text: 'Topics (pub/sub)', link: '/guide/topics' },
            { text: 'Scale-out (Redis) — coming', link: '/guide/scale-out' },
            { text: 'HTTP/2 (RFC 8441)', link: '/guide/http2' },
            { text: 'permessage-deflate', link: '/guide/permessage-deflate' },
            { text: 'Limits and security', link: '/guide/security' },
            { text: 'Behind a proxy', link: '/guide/proxies' },
            { text: 'Migrating from ws', link: '/guide/migrating-from-ws' },
          ],
        },
        {
          text: 'Packages',
          items: [
            { text: 'Overview', link: '/overview' },
            ...published.map((pkg) => ({ text: pkg.name, link: `/packages/${pkg.dir}/` })),
          ],
        },
        {
          text: 'Results',
          items: [
            { text: 'Conformance and benchmarks', link: '/results' },
            { text: 'Latest benchmark run', link: '/apps/bench/results/latest' },
            { text: 'Latest soak run', link: '/apps/bench/results/soak-latest' },
          ],
        },
        { text: 'Contributing', link: '/CONTRIBUTING' },
      ],
    },
    search: { provider: 'local' },
    outline: [2, 3],
  },
});
