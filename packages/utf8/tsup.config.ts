import { libraryConfig } from '@websock/build';
import { defineConfig } from 'tsup';

export default defineConfig(libraryConfig({ index: 'src/index.ts', node: 'src/node.ts' }));
