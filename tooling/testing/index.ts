// The certificate generator belongs to the echo app (its `--tls-self-signed` mode runs it);
// tests across the workspace reuse that one module from here. It is imported by path, not
// as `@websock/echo-server`: the echo app depends on `@websock/server` and
// `@websock/client`, whose tests depend on this package, and a declared dependency would
// close that loop (turbo rejects cyclic workspace graphs). Runs under vitest only.
export type { SelfSignedCert } from '../../apps/echo-server/src/self-signed-cert.js';
export { generateSelfSignedCert } from '../../apps/echo-server/src/self-signed-cert.js';

/** A promise with its resolve function outside: for a test that waits on an event. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
