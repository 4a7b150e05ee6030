import { appConfig } from '@websock/build';
import { defineConfig } from 'tsup';

// Every file directly under src/, src/micro/ and src/servers/ is a runnable entry
// (the driver starts each server under test as its own process).
export default defineConfig(appConfig(['src/*.ts', 'src/micro/*.ts', 'src/servers/*.ts']));
