// Real redis-server processes for the tests: shared with apps/bench in tooling/redis-servers.
export * from '@websock/redis-servers';
