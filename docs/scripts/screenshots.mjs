// Serves the built site on 127.0.0.1 and takes screenshots of the landing page and one API page
// with headless Chromium, into docs/.screenshots/ (git-ignored): a look at the real thing.
// CHROMIUM=/path/to/chrome overrides the browser (default /usr/bin/chromium).
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { docsDir, serveSite } from './site.mjs';

const run = promisify(execFile);
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const outDir = join(docsDir, '.screenshots');
mkdirSync(outDir, { recursive: true });

const shots = [
  ['landing.png', '/'],
  ['api-server-createServer.png', '/api/@websock/server/functions/createServer.html'],
];

const site = await serveSite();
try {
  for (const [name, path] of shots) {
    const file = join(outDir, name);
    await run(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        `--screenshot=${file}`,
        '--window-size=1280,900',
        '--virtual-time-budget=5000',
        `${site.url}${path}`,
      ],
      { timeout: 60_000 },
    );
    console.log(`${site.url}${path} -> ${file}`);
  }
} finally {
  await site.close();
}
