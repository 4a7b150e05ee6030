// `node apps/bench/dist/cli.js [--duration 2s] [--rounds 3] [--servers a,b] [--workloads a,b] [--quick]`
// Runs every server under every workload, then writes results/latest.md, results/latest.svg and
// the raw per-round JSON under results/raw/.
// `node apps/bench/dist/cli.js --soak [--soak-duration 3m] [--soak-connections 10000] [--servers websock,ws]`
// runs the soak instead and writes results/soak-latest.{md,svg} (see src/lib/soak.ts).
// `node apps/bench/dist/cli.js --fanout [--subscribers 100,1000,10000]` runs the fan-out matrix
// and writes results/fanout-latest.md (see src/lib/fanout.ts).
// `node apps/bench/dist/cli.js --http2 [--h2-connections 1000]` compares websock over HTTP/2
// and HTTP/1.1 and writes results/http2-latest.md (see src/lib/http2-bench.ts).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliOptions, parseCli, USAGE } from './lib/args.js';
import { runBench } from './lib/driver.js';
import { runFanout } from './lib/fanout.js';
import { isFullFanout, writeFanoutReport } from './lib/fanout-report.js';
import { runHttp2Bench } from './lib/http2-bench.js';
import { isFullHttp2, writeHttp2Report } from './lib/http2-report.js';
import { renderMarkdown, renderReadmeExcerpt } from './lib/report.js';
import { runSoak } from './lib/soak.js';
import { isFullSoak, writeSoakReport } from './lib/soak-report.js';
import { renderSvg } from './lib/svg.js';

const distDir = dirname(fileURLToPath(import.meta.url));
const README_START = '<!-- latest:start -->';
const README_END = '<!-- latest:end -->';

/** Keeps the README's quoted table in step with results/latest.md (only between its markers). */
function updateReadme(excerpt: string): boolean {
  const readme = join(distDir, '..', 'README.md');
  if (!existsSync(readme)) return false;
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) return false;
  writeFileSync(readme, `${text.slice(0, start + README_START.length)}\n${excerpt}\n${text.slice(end)}`);
  return true;
}

async function soak(options: CliOptions, outDir: string): Promise<number> {
  const started = Date.now();
  const result = await runSoak({
    distDir,
    durationMs: options.soakDurationMs,
    connections: options.soakConnections,
    servers: options.servers,
    pin: options.pin,
    clients: options.clients,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const full =
    !options.quick &&
    isFullSoak({ durationMs: options.soakDurationMs, connections: options.soakConnections, servers: options.servers });
  const written = writeSoakReport(result, outDir, full);
  process.stdout.write(`${written.text}\n`);
  process.stderr.write(
    `soak done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${relative(process.cwd(), written.markdown)}, ` +
      `${relative(process.cwd(), written.svg)}; raw: ${relative(process.cwd(), written.json)}\n`,
  );
  return result.servers.length > 0 && result.servers.every((server) => server.ok && server.stopped) ? 0 : 1;
}

async function fanout(options: CliOptions, outDir: string): Promise<number> {
  const started = Date.now();
  const result = await runFanout({
    distDir,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    rounds: options.rounds,
    subscribers: options.subscribers,
    pin: options.pin,
    clients: options.clients,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const written = writeFanoutReport(result, outDir, isFullFanout(options));
  process.stdout.write(`${written.text}\n`);
  process.stderr.write(
    `fan-out done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${relative(process.cwd(), written.markdown)}; ` +
      `raw: ${relative(process.cwd(), written.json)}\n`,
  );
  return result.measurements.some((m) => m.ok) ? 0 : 1;
}

async function http2(options: CliOptions, outDir: string): Promise<number> {
  const started = Date.now();
  const result = await runHttp2Bench({
    distDir,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    rounds: options.rounds,
    connections: options.h2Connections,
    pin: options.pin,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const written = writeHttp2Report(result, outDir, isFullHttp2(options));
  process.stdout.write(`${written.text}\n`);
  process.stderr.write(
    `HTTP/2 bench done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${relative(process.cwd(), written.markdown)}; ` +
      `raw: ${relative(process.cwd(), written.json)}\n`,
  );
  return result.measurements.every((m) => m.ok) ? 0 : 1;
}

async function main(): Promise<number> {
  const options = parseCli(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const outDir = resolve(options.outDir ?? join(distDir, '..', 'results'));
  if (options.soak) return soak(options, outDir);
  if (options.fanout) return fanout(options, outDir);
  if (options.http2) return http2(options, outDir);
  const started = Date.now();
  const result = await runBench({
    distDir,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
    rounds: options.rounds,
    servers: options.servers,
    workloads: options.workloads,
    idleConnections: options.idleConnections,
    largeIdleConnections: options.largeIdleConnections,
    idleSettleMs: options.idleSettleMs,
    pin: options.pin,
    clients: options.clients,
    cpuProfDir: options.cpuProfDir === undefined ? undefined : resolve(options.cpuProfDir),
    log: (line) => process.stderr.write(`${line}\n`),
  });

  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const rawDir = join(outDir, 'raw');
  mkdirSync(rawDir, { recursive: true });
  // Only a complete run (all servers, all default workloads, not --quick) speaks for results/latest.*
  // and the README; partial runs keep their report next to their raw JSON.
  const complete = !options.quick && options.servers.length === 0 && options.workloads.length === 0;
  const tag = complete ? '' : '-partial';
  const rawFile = join(rawDir, `${stamp}${tag}.json`);
  writeFileSync(rawFile, `${JSON.stringify(result, null, 2)}\n`);
  let markdown: string;
  if (complete) {
    markdown = renderMarkdown(result, 'latest.svg');
    writeFileSync(join(outDir, 'latest.md'), markdown);
    writeFileSync(join(outDir, 'latest.svg'), renderSvg(result));
    if (options.outDir === undefined && updateReadme(renderReadmeExcerpt(result))) {
      process.stderr.write('updated the latest table in README.md\n');
    }
  } else {
    markdown = renderMarkdown(result, `${stamp}${tag}.svg`);
    writeFileSync(join(rawDir, `${stamp}${tag}.md`), markdown);
    writeFileSync(join(rawDir, `${stamp}${tag}.svg`), renderSvg(result));
  }
  process.stdout.write(`${markdown}\n`);
  const where = relative(process.cwd(), outDir) || '.';
  process.stderr.write(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `${complete ? `wrote ${where}/latest.md, ${where}/latest.svg; ` : ''}raw: ${relative(process.cwd(), rawFile)}\n`,
  );
  return result.measurements.some((m) => m.ok) ? 0 : 1;
}

// Children are stopped by PID from the driver's exit hook; make signals take that path too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
