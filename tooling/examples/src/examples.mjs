// Finds the TypeScript examples in the repository's Markdown and checks them: every ```ts block is
// type-checked with `tsc --strict`, and blocks marked `run` are also run with Node and must exit 0
// on their own. Examples import `@websock/*` by name; like the tests, they are checked against the
// packages' sources (TypeScript `paths`, esbuild aliases), so no build is needed.
//
// The fence's info string says what to do with a block:
//   ```ts                    type-checked
//   ```ts run                type-checked, then run (it must terminate by itself, within 30 s)
//   ```ts no-check: reason   skipped; the reason is required and stays visible in the Markdown
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

export const toolDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(toolDir, '../..');
/** Scratch folder inside the repository (git-ignored), so imports resolve through node_modules. */
export const workDir = join(toolDir, '.work');

/** The Markdown files whose examples are checked, relative to the repository root. */
export function markdownFiles(root = repoRoot) {
  const files = ['README.md'];
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(root, group, entry.name, 'README.md'))) {
        files.push(`${group}/${entry.name}/README.md`);
      }
    }
  }
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        // Generated (API reference, built site) or not ours.
        if (!['node_modules', 'api', '.vitepress', '.screenshots'].includes(entry.name)) walk(path);
      } else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk('docs');
  return files.sort();
}

/**
 * The ```ts blocks of one Markdown text: `{ line, info, code, run, skip }`, `line` being the
 * 1-based line of the first line of code. Throws on a `no-check` without a reason.
 */
export function extractBlocks(markdown, file = 'markdown') {
  const blocks = [];
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)(?:\s+(.*))?$/.exec(lines[i]);
    if (!open) {
      // Skip other fenced blocks whole, so a ```ts line inside them is not taken for a fence.
      const other = /^(\s*)(`{3,}|~{3,})/.exec(lines[i]);
      if (other) {
        const close = new RegExp(`^\\s*${other[2][0]}{${other[2].length},}\\s*$`);
        for (i++; i < lines.length && !close.test(lines[i]); i++);
      }
      continue;
    }
    const [, indent, fence, , rest = ''] = open;
    const info = rest.trim();
    const close = new RegExp(`^\\s*${fence[0]}{${fence.length},}\\s*$`);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !close.test(lines[end])) end++;
    const code = lines
      .slice(start, end)
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    let skip;
    if (/^no-check\b/.test(info)) {
      skip = /^no-check:\s*(\S.*)$/.exec(info)?.[1];
      if (!skip)
        throw new Error(`${file}:${i + 1}: \`no-check\` needs a reason: \`\`\`ts no-check: why it cannot compile`);
    }
    blocks.push({ line: start + 1, info, code, run: /(^|\s)run(\s|$)/.test(info), skip });
    i = end;
  }
  return blocks;
}

/** Each workspace package's importable names and the source files they stand for (as vitest aliases them). */
export function sourceEntries(root = repoRoot) {
  const entries = {};
  for (const group of ['packages']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const dir = join(root, group, entry.name);
      if (!entry.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const main = ['src/node.ts', 'src/index.ts'].map((f) => join(dir, f)).find((f) => existsSync(f));
      if (main) entries[pkg.name] = main;
      for (const key of Object.keys(pkg.exports ?? {})) {
        const sub = key.replace(/^\.\//, '');
        if (key === '.' || key === './package.json') continue;
        const file = join(dir, 'src', `${sub}.ts`);
        if (existsSync(file)) entries[`${pkg.name}/${sub}`] = file;
      }
    }
  }
  return entries;
}

/** Collects every block of every file: `{ id, file, line, code, run, skip }`. */
export function collectExamples(root = repoRoot) {
  const examples = [];
  for (const file of markdownFiles(root)) {
    const blocks = extractBlocks(readFileSync(join(root, file), 'utf8'), file);
    blocks.forEach((block, index) => {
      const id = `${file.replace(/\.md$/, '').replace(/[^a-zA-Z0-9]+/g, '-')}-${index + 1}`;
      examples.push({ id, file, ...block });
    });
  }
  return examples;
}

function writeWorkspace(examples, entries) {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const paths = Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, [relative(workDir, file)]]));
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      lib: ['ES2022'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      moduleDetection: 'force',
      types: ['node'],
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      paths,
    },
    files: examples.map((example) => `${example.id}.ts`),
  };
  writeFileSync(join(workDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  for (const example of examples) writeFileSync(join(workDir, `${example.id}.ts`), `${example.code}\n`);
}

/** Type-checks the examples in one `tsc` run; returns the diagnostics mapped back to the Markdown. */
export async function typeCheck(examples, entries = sourceEntries()) {
  writeWorkspace(examples, entries);
  const tsc = require.resolve('typescript/bin/tsc');
  const result = await execFileAsync(
    process.execPath,
    [tsc, '-p', join(workDir, 'tsconfig.json'), '--pretty', 'false'],
    {
      cwd: workDir,
      maxBuffer: 16 * 1024 * 1024,
    },
  ).then(
    (ok) => ok.stdout,
    (failed) => `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
  );
  const byId = new Map(examples.map((example) => [example.id, example]));
  return result
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = /^(.+?)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
      const example = match && byId.get(match[1]);
      if (!match || !example) return line; // an error outside the examples (in a package's source)
      return `${example.file}:${example.line + Number(match[2]) - 1}:${match[3]}: ${match[4]}`;
    });
}

/** Bundles one example against the sources with esbuild and runs it with Node; rejects if it fails or hangs. */
export async function runExample(example, entries = sourceEntries(), timeoutMs = 30_000) {
  const esbuild = require('esbuild');
  const outfile = join(workDir, `${example.id}.mjs`);
  await esbuild.build({
    entryPoints: [join(workDir, `${example.id}.ts`)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    alias: entries,
    packages: 'external',
    logLevel: 'silent',
  });
  // `packages: 'external'` keeps third-party imports external; the aliases above still inline @websock/*.
  try {
    return await execFileAsync(process.execPath, [outfile], {
      cwd: workDir,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
  } catch (error) {
    const why = error.killed ? `did not exit within ${timeoutMs} ms` : `exited with ${error.code ?? error.signal}`;
    throw new Error(`${example.file}:${example.line}: the example ${why}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}
