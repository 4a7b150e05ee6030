import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildCaseTable, type ConformanceCase } from '../../src/cases.js';
import { loadReferenceCases } from '../../src/reference.js';
import { type CaseReport, formatReport, type RunOptions, runCase } from '../../src/runner.js';
import { PATIENT } from './patient.js';
import {
  type RunningTarget,
  type StartTargetOptions,
  startTarget,
  type TargetInfo,
  targetInfo,
  titled,
} from './target.js';

export const CATEGORY_NAMES: Record<number, string> = {
  1: 'Framing',
  2: 'Pings/Pongs',
  3: 'Reserved Bits',
  4: 'Opcodes',
  5: 'Fragmentation',
  6: 'UTF-8 Handling',
  7: 'Close Handling',
  9: 'Limits/Performance',
  10: 'Misc (auto-fragmentation)',
  12: 'WebSocket Compression (different payloads)',
  13: 'WebSocket Compression (different parameters)',
};

/** The whole table, derived from the reference JSON (throws loudly if it is missing). */
export const ALL_CASES: ConformanceCase[] = buildCaseTable(loadReferenceCases());

export interface Transport {
  /** For titles: "ws://", "wss://", "h2 (wss:// on HTTP/2)". */
  readonly label: string;
  readonly tls: boolean;
  readonly http2: boolean;
}

/** The socket transports: HTTP/1.1 upgrades over TCP and TLS (what the `ws` client interop uses). */
export const TRANSPORTS: readonly Transport[] = [
  { label: 'ws://', tls: false, http2: false },
  { label: 'wss://', tls: true, http2: false },
];

/** An RFC 8441 extended CONNECT stream on an HTTP/2 session over TLS, one session per case. */
export const HTTP2_TRANSPORT: Transport = { label: 'h2 (wss:// on HTTP/2)', tls: true, http2: true };

/**
 * Where the conformance suites run: both socket transports and an HTTP/2 stream, same
 * cases, same strict grading. The `ws` stand-in has no HTTP/2 server, so checking the
 * grader against it (CONFORMANCE_TARGET=standin) covers the socket transports only.
 */
export const SUITE_TRANSPORTS: readonly Transport[] = (await targetInfo()).standIn
  ? TRANSPORTS
  : [...TRANSPORTS, HTTP2_TRANSPORT];

/**
 * Registers one test per case and transport (SUITE_TRANSPORTS). Tests in a transport run concurrently
 * (each on its own connection); a failure throws the full case report: case id,
 * expected and observed events, close codes, who closed TCP, and the wire log.
 */
export function registerConformanceSuite(options: {
  title: string;
  info: TargetInfo;
  categories: readonly number[];
  run?: RunOptions;
  /** Target options beyond the transport (categories 12/13 need `deflate: true`). */
  target?: Omit<StartTargetOptions, 'tls' | 'http2'>;
}): void {
  const cases = ALL_CASES.filter((c) => options.categories.includes(c.category));
  for (const transport of SUITE_TRANSPORTS) {
    describe.concurrent(titled(`${options.title} over ${transport.label}`, options.info), () => {
      let target: RunningTarget | undefined;
      const reports: Array<{ c: ConformanceCase; report: CaseReport }> = [];
      beforeAll(async () => {
        target = await startTarget({ ...options.target, tls: transport.tls, http2: transport.http2 });
      });
      afterAll(async () => {
        await target?.close();
        summarize(`${options.title} over ${transport.label} (${options.info.label})`, reports);
      });
      for (const category of options.categories) {
        describe(`${category} ${CATEGORY_NAMES[category] ?? ''}`, () => {
          for (const c of cases.filter((x) => x.category === category)) {
            const name = `${c.id} ${c.description.length > 90 ? `${c.description.slice(0, 87)}...` : c.description}`;
            if (c.skip) {
              it.skip(`${name} [skipped: ${c.skip}]`, () => {});
              continue;
            }
            it(
              name,
              async () => {
                if (!target) throw new Error('target server did not start');
                const report = await runCase(c, target, { ...PATIENT, ...options.run });
                reports.push({ c, report });
                if (verbose(c.id)) console.log(formatReport(c, report));
                if (report.verdict.problems.length > 0) throw new Error(formatReport(c, report));
                // Category 9 moves up to 16 MiB per message (over TLS too): on a loaded 2-core
                // machine that alone took past the default 20 s. The bound guards against a hang.
              },
              c.category === 9 ? 120_000 : undefined,
            );
          }
        });
      }
    });
  }
}

/** CONFORMANCE_VERBOSE=all or a comma-separated list of ids/prefixes ("6.4,7.9.1") prints passing reports too. */
function verbose(id: string): boolean {
  const v = process.env.CONFORMANCE_VERBOSE;
  if (!v) return false;
  return v === 'all' || v.split(',').some((p) => id === p || id.startsWith(`${p}.`));
}

function summarize(title: string, reports: Array<{ c: ConformanceCase; report: CaseReport }>): void {
  if (process.env.CONFORMANCE_SUMMARY === '0' || reports.length === 0) return;
  const failed = reports.filter((r) => r.report.verdict.problems.length > 0);
  const officialFailed = reports.filter((r) => !r.report.verdict.officialPass);
  const nonStrict = reports.filter((r) => r.report.verdict.behavior === 'NON-STRICT');
  const ids = (xs: typeof reports) =>
    xs
      .map((r) => r.c.id)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .join(' ');
  const lines = [
    `[conformance] ${title}: ${reports.length} cases, ${reports.length - failed.length} strict pass, ${failed.length} strict fail`,
    `  official grading: ${reports.length - officialFailed.length} pass, ${officialFailed.length} fail${nonStrict.length ? `, NON-STRICT: ${ids(nonStrict)}` : ''}`,
  ];
  if (failed.length) lines.push(`  strict failures: ${ids(failed)}`);
  console.log(lines.join('\n'));
}
