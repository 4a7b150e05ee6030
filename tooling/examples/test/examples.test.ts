import { describe, expect, it } from 'vitest';
import { collectExamples, extractBlocks, runExample, sourceEntries, typeCheck } from '../src/examples.mjs';

describe('extractBlocks', () => {
  it('finds ts blocks with their first code line and their markers', () => {
    const markdown = ['# t', '', '```ts', 'const a = 1;', '```', '', '```ts run', 'console.log(2);', '```'].join('\n');
    expect(extractBlocks(markdown)).toEqual([
      { line: 4, info: '', code: 'const a = 1;', run: false, skip: undefined },
      { line: 8, info: 'run', code: 'console.log(2);', run: true, skip: undefined },
    ]);
  });

  it('skips other languages, including a ts fence shown inside one', () => {
    const markdown = ['````md', '```ts', 'nope', '```', '````', '```sh', 'ls', '```'].join('\n');
    expect(extractBlocks(markdown)).toEqual([]);
  });

  it('takes a no-check block out only with a visible reason', () => {
    expect(extractBlocks('```ts no-check: needs a database\nx\n```')[0]?.skip).toBe('needs a database');
    expect(() => extractBlocks('```ts no-check\nx\n```', 'README.md')).toThrow(
      /README\.md:1: `no-check` needs a reason/,
    );
  });
});

// Every example of the READMEs and docs: type-checked with tsc --strict against the sources,
// and the ones marked `run` run to completion (pnpm check:examples does the same from the CLI).
describe('the examples in the READMEs and docs', () => {
  const examples = collectExamples();
  const entries = sourceEntries();

  it('type-check with tsc --strict', { timeout: 120_000 }, async () => {
    expect(examples.length).toBeGreaterThan(0);
    expect(
      await typeCheck(
        examples.filter((example) => !example.skip),
        entries,
      ),
    ).toEqual([]);
  });

  for (const example of examples.filter((e) => e.run && !e.skip)) {
    it(`${example.file}:${example.line} runs and exits by itself`, { timeout: 60_000 }, async () => {
      await runExample(example, entries);
    });
  }
});
