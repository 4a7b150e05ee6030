// `node apps/bench/dist/profile-top.js <file.cpuprofile> [--top 25]`
// Prints the top functions of a V8 CPU profile by self and by inclusive time (see lib/profile-summary.ts).

import { readFileSync } from 'node:fs';
import { type Profile, renderProfile, summariseProfile } from './lib/profile-summary.js';

function main(argv: readonly string[]): void {
  const file = argv[0];
  if (file === undefined || file.startsWith('--')) {
    process.stderr.write('usage: node dist/profile-top.js <file.cpuprofile> [--top 25]\n');
    process.exitCode = 2;
    return;
  }
  const topIndex = argv.indexOf('--top');
  const top = topIndex >= 0 ? Number(argv[topIndex + 1]) : 25;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  process.stdout.write(`${renderProfile(summariseProfile(profile), top)}\n`);
}

main(process.argv.slice(2));
