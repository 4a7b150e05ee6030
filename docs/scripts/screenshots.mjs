// Opens the built site (run `pnpm docs` first) in headless Chromium and checks that its pages
// render: the landing page and one API reference page, served on 127.0.0.1. Each must load
// with no console error, no failed request and no error status, show its title and heading,
// and not be blank. The screenshots go to docs/.screenshots/ (git-ignored), for a person or
// CI to look at. Part of `pnpm docs:check`. Debian's Chromium through playwright-core, no
// browser download: CHROMIUM=/path/to/chrome overrides /usr/bin/chromium.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { distDir, docsDir, fileForPath, serveSite } from './site.mjs';

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const outDir = join(docsDir, '.screenshots');

/** The pages to open, and what each must show once rendered. */
const PAGES = [
  { file: 'landing.png', path: '/', title: /websock/, heading: 'websock' },
  {
    file: 'api-server-createServer.png',
    path: '/api/@websock/server/functions/createServer.html',
    title: /createServer/,
    heading: 'createServer',
  },
];

/**
 * Share of the screenshot's pixels that differ from its most common colour (the background):
 * near 0 for a blank page, a few percent and more for a page with text on it. Decoded by
 * Chromium itself (an image on a canvas), so no PNG decoder is needed here.
 */
async function inkShare(browser, png) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (base64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const counts = new Map();
      for (let i = 0; i < data.length; i += 4) {
        const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
      }
      const background = Math.max(...counts.values());
      return 1 - background / (data.length / 4);
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

/** Opens one page, takes its screenshot and returns what is wrong with it (nothing: []). */
async function checkPage(browser, siteUrl, spec) {
  const problems = [];
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url } = message.location();
    problems.push(`console error: ${message.text()}${url ? ` (${url})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught in the page: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  try {
    // networkidle: every script, style and font the page asked for has arrived, and the app
    // has hydrated; a console error from either is caught above.
    await page.goto(`${siteUrl}${spec.path}`, { waitUntil: 'networkidle' });
    const title = await page.title();
    if (!spec.title.test(title)) problems.push(`title "${title}" does not match ${spec.title}`);
    const heading = page.locator('h1').first();
    await heading.waitFor({ state: 'visible' });
    const text = ((await heading.textContent()) ?? '').trim();
    if (!text.includes(spec.heading)) problems.push(`first heading "${text}" does not contain "${spec.heading}"`);
    const png = await page.screenshot({ fullPage: false });
    writeFileSync(join(outDir, spec.file), png);
    const ink = await inkShare(browser, png);
    if (ink < 0.01) problems.push(`looks blank: ${(ink * 100).toFixed(2)} % of the pixels differ from the background`);
    return { problems, ink, title };
  } finally {
    await page.close();
  }
}

if (!fileForPath('/index.html')) {
  console.error(`no built site in ${distDir}: run \`pnpm docs\` first`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
const site = await serveSite();
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
});
let failed = 0;
try {
  for (const spec of PAGES) {
    const { problems, ink, title } = await checkPage(browser, site.url, spec);
    const where = `${spec.path} -> ${join(outDir, spec.file)}`;
    if (problems.length === 0) {
      console.log(`${where}: "${title}", ${(ink * 100).toFixed(1)} % ink, no console error`);
    } else {
      failed++;
      console.error(`${where}:\n  ${problems.join('\n  ')}`);
    }
  }
} finally {
  await browser.close();
  await site.close();
}
if (failed > 0) {
  console.error(`${failed} of ${PAGES.length} page(s) did not render as expected`);
  process.exit(1);
}
console.log(`pages OK in Chromium: ${PAGES.length} opened, screenshots in ${outDir}`);
