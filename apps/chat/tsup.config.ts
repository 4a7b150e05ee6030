import { appConfig } from '@websock/build';
import { defineConfig } from 'tsup';

export default defineConfig(appConfig({ cli: 'src/cli.ts', index: 'src/index.ts' }));
