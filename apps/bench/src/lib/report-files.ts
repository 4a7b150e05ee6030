// Where a mode's report goes (fan-out, soak, HTTP/2): a full run writes results/<mode>-latest.*,
// any other results/raw/<stamp>-<mode>-partial.*; the raw JSON always goes to results/raw/.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ReportPaths {
  /** The raw JSON, always under raw/. */
  json: string;
  /** Directory and base name (without extension) of the rendered report. */
  dir: string;
  name: string;
}

/** The paths of a mode's report; creates raw/ and writes the raw JSON of `result` there. */
export function startReport(
  outDir: string,
  mode: string,
  result: { readonly startedAt: string },
  full: boolean,
): ReportPaths {
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const rawDir = join(outDir, 'raw');
  mkdirSync(rawDir, { recursive: true });
  const base = full ? `${stamp}-${mode}` : `${stamp}-${mode}-partial`;
  const json = join(rawDir, `${base}.json`);
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  return full ? { json, dir: outDir, name: `${mode}-latest` } : { json, dir: rawDir, name: base };
}

/** Writes a mode's raw JSON and its markdown report `text`. */
export function writeMarkdownReport(
  outDir: string,
  mode: string,
  result: { readonly startedAt: string },
  full: boolean,
  text: string,
): { json: string; markdown: string; text: string } {
  const paths = startReport(outDir, mode, result, full);
  const markdown = join(paths.dir, `${paths.name}.md`);
  writeFileSync(markdown, text);
  return { json: paths.json, markdown, text };
}
