export type { EchoServerOptions, RunningEchoServer } from './echo.js';
export { startEchoServer } from './echo.js';
export type { FuzzingClientOptions } from './fuzzing-client.js';
export { runFuzzingClient } from './fuzzing-client.js';
export type { SelfSignedCert } from './self-signed-cert.js';
export { generateSelfSignedCert } from './self-signed-cert.js';
