import { libraryConfig } from '@websock/build';
import { defineConfig } from 'tsup';

export default defineConfig(libraryConfig());
