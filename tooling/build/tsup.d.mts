import type { Options } from 'tsup';

/** ESM (.js) + CJS (.cjs) + .d.ts/.d.cts for a published library package. */
export function libraryConfig(entry?: Record<string, string> | string[], overrides?: Options): Options;

/** ESM-only, declaration-free build of a private Node application. */
export function appConfig(entry: Record<string, string> | string[], overrides?: Options): Options;
