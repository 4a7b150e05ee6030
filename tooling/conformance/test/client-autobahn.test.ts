import { generateSelfSignedCert } from '@websock/testing';
import { afterAll, beforeAll, describe, it, type RunnerTask } from 'vitest';
import { loadReferenceCases } from '../src/reference.js';
import {
  buildClientCaseTable,
  CLIENT_ONLY_CATEGORY,
  type ClientCase,
  type ClientCaseReport,
  type ClientRunOptions,
  FuzzingServer,
  formatClientReport,
  runClientCase,
} from '../src/server-peer/index.js';
import { clientUnderTest, echoClient } from './support/echo-clients.js';
import { CATEGORY_NAMES as SERVER_CATEGORY_NAMES } from './support/suite.js';

/**
 * Autobahn|Testsuite's client suite (its fuzzing-server mode), played by the raw
 * server peer against an echo client: every case id of categories 1-7, 9 and 10 with
 * the roles flipped (the server sends the case's frames unmasked, the client must
 * echo, answer pings, fail with the right code and wait for the server to close TCP),
 * plus the client-only cases: masked server frames (M.x) and frames sent with the
 * 101 (H.x). The client is the websock client;
 * CONFORMANCE_CLIENT=ws plays the same cases against the `ws` package's client to
 * check the oracle (there the official grading is asserted, see KNOWN_WS_DEVIATIONS).
 *
 * Category 9 runs last, in its own block, so its multi-MiB transfers do not slow the
 * other cases.
 */

const which = clientUnderTest();
const tlsCert = await generateSelfSignedCert();
const TRANSPORTS = [
  { name: 'ws', tls: undefined, client: echoClient(which) },
  { name: 'wss', tls: tlsCert, client: echoClient(which, { ca: tlsCert.cert }) },
] as const;
const ALL = buildClientCaseTable(loadReferenceCases());
/** The suite numbers its cases 1..N in table order: `/runCase?case=N`. */
const NUMBER = new Map(ALL.map((c, i) => [c.id, i + 1]));

/**
 * Cases run `concurrency` at a time, started together in `beforeAll` (vitest would
 * run only 5 concurrent tests at a time, and most cases spend their time waiting);
 * each test then awaits and judges its own case. Category 9 moves megabytes per case:
 * fewer at once.
 */
const GROUPS: Array<{ title: string; categories: readonly number[]; concurrency: number }> = [
  {
    title: 'categories 1-7, 10 and client-only cases',
    categories: [1, 2, 3, 4, 5, 6, 7, 10, CLIENT_ONLY_CATEGORY],
    concurrency: 16,
  },
  { title: 'category 9 (limits/performance)', categories: [9], concurrency: 3 },
];

const CATEGORY_NAMES: Record<number, string> = {
  ...SERVER_CATEGORY_NAMES,
  [CLIENT_ONLY_CATEGORY]: 'Client only: masked server frames (M), frames sent with the 101 (H)',
};

/**
 * Every wait ends with the client's event (its failure inside a fail-fast window, its close,
 * its TCP close): the bounds only guard against a hang, long enough that no stall of a loaded
 * machine reaches them. A passing case never waits for one; a bound reached is the client's
 * failure, not the clock's.
 */
const RUN: ClientRunOptions = {
  gapMs: 300,
  failFastTimeoutMs: 10_000,
  failTimeoutMs: 10_000,
  closeTimeoutMs: 10_000,
  dropTimeoutMs: 10_000,
};

/**
 * What `ws` (8.x) is known to do against the suite's server, and so what the oracle
 * must find: it validates UTF-8 per frame, so 6.4.x are NON-STRICT (the connection
 * is failed only when the bad frame is complete), and as a client it half-closes TCP
 * right after the closing handshake instead of waiting for the server's FIN, which
 * the suite (closing at once) cannot see but the server peer's FIN hold does.
 */
const KNOWN_WS_DEVIATIONS: Array<{ ids: RegExp; problem: RegExp }> = [
  { ids: /^6\.4\.[1-4]$/, problem: /^behaviour NON-STRICT|^fail-fast:/ },
  { ids: /./, problem: /without waiting for the server's FIN/ },
];

function unexpectedProblems(c: ClientCase, report: ClientCaseReport): string[] {
  if (which === 'websock') return report.verdict.problems;
  const left = report.verdict.problems.filter(
    (p) => !KNOWN_WS_DEVIATIONS.some((d) => d.ids.test(c.id) && d.problem.test(p)),
  );
  if (!report.verdict.officialPass) left.unshift('official grading: fail');
  return left;
}

for (const group of GROUPS) {
  for (const { name: transport, tls, client } of TRANSPORTS) {
    // Sequential blocks (category 9 after the timing-sensitive cases), concurrent cases within each.
    describe(`Autobahn client suite, ${group.title} (client: ${client.name}, over ${transport}://)`, () => {
      let server: FuzzingServer | undefined;
      const cases = ALL.filter((c) => group.categories.includes(c.category));
      const runs = new Map<string, Promise<ClientCaseReport>>();
      const reports: Array<{ c: ClientCase; report: ClientCaseReport }> = [];
      let startedAt = 0;
      // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixtures from a destructured 1st argument; the suite is the 2nd.
      beforeAll(async ({}, suite) => {
        startedAt = performance.now();
        const started = await FuzzingServer.start({ finHoldMs: 50, ...(tls ? { tls } : {}) });
        server = started;
        const limit = limiter(group.concurrency);
        // Only the cases vitest will run (a `-t` filter leaves the others skipped).
        const selected = selectedTestNames(suite);
        for (const c of cases.filter((x) => selected.has(testName(x)))) {
          const run = limit(() => runClientCase(c, NUMBER.get(c.id) ?? 0, started, client, RUN));
          run.catch(() => {}); // awaited (and reported) by the case's own test
          runs.set(c.id, run);
        }
      });
      afterAll(async () => {
        await server?.close();
        const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
        summarize(`${group.title} (client: ${client.name}, ${transport}://) in ${seconds} s`, reports);
      });
      for (const category of group.categories) {
        describe(`${category === CLIENT_ONLY_CATEGORY ? 'M/H' : category} ${CATEGORY_NAMES[category] ?? ''}`, () => {
          for (const c of cases.filter((x) => x.category === category)) {
            it.concurrent(testName(c), async () => {
              const run = runs.get(c.id);
              if (!server || !run) throw new Error('the server peer did not start');
              const report = await run;
              reports.push({ c, report });
              if (verbose(c.id)) console.log(formatClientReport(c, report));
              const problems = unexpectedProblems(c, report);
              if (problems.length > 0) {
                throw new Error(`${formatClientReport(c, report)}\n  unexpected for ${which}: ${problems.join(' | ')}`);
              }
            });
          }
        });
      }
    });
  }
}

function testName(c: ClientCase): string {
  return `${c.id} ${c.description.length > 90 ? `${c.description.slice(0, 87)}...` : c.description}`;
}

function selectedTestNames(task: Readonly<RunnerTask>, out = new Set<string>()): Set<string> {
  if (task.type === 'test') {
    if (task.mode !== 'skip' && task.mode !== 'todo') out.add(task.name);
  } else for (const child of task.tasks) selectedTestNames(child, out);
  return out;
}

function limiter(concurrency: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  return async (job) => {
    if (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await job();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

/** CONFORMANCE_VERBOSE=all or a comma-separated list of ids/prefixes ("6.4,M") prints passing reports too. */
function verbose(id: string): boolean {
  const v = process.env.CONFORMANCE_VERBOSE;
  if (!v) return false;
  return v === 'all' || v.split(',').some((p) => id === p || id.startsWith(`${p}.`));
}

function summarize(title: string, reports: Array<{ c: ClientCase; report: ClientCaseReport }>): void {
  if (process.env.CONFORMANCE_SUMMARY === '0' || reports.length === 0) return;
  const ids = (xs: typeof reports) =>
    xs
      .map((r) => r.c.id)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .join(' ');
  const strictFailed = reports.filter((r) => r.report.verdict.problems.length > 0);
  const officialFailed = reports.filter((r) => !r.report.verdict.officialPass);
  const nonStrict = reports.filter((r) => r.report.verdict.behavior === 'NON-STRICT');
  const slowest = [...reports]
    .sort((a, b) => b.report.durationMs - a.report.durationMs)
    .slice(0, 5)
    .map((r) => `${r.c.id} ${r.report.durationMs} ms`);
  const lines = [
    `[conformance] client suite, ${title}: ${reports.length} cases, ${reports.length - strictFailed.length} strict pass, ${strictFailed.length} strict fail`,
    `  official grading: ${reports.length - officialFailed.length} pass, ${officialFailed.length} fail${nonStrict.length ? `, NON-STRICT: ${ids(nonStrict)}` : ''}`,
  ];
  if (officialFailed.length) lines.push(`  official failures: ${ids(officialFailed)}`);
  if (strictFailed.length) lines.push(`  strict failures: ${ids(strictFailed)}`);
  lines.push(`  slowest: ${slowest.join(', ')}`);
  console.log(lines.join('\n'));
}
