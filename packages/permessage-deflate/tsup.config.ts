import { libraryConfig } from '@websock/build';
import { defineConfig } from 'tsup';

// Two entries: the full package and the pure negotiation code (no node:zlib) on its own subpath.
// Shared code goes into a common chunk so both entries share one DeflateNegotiationError class.
export default defineConfig(
  libraryConfig({ index: 'src/index.ts', negotiate: 'src/negotiate.ts' }, { splitting: true }),
);
