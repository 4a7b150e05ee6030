import { startEchoServer } from '@websock/echo-server';
import { generateSelfSignedCert } from './cert.js';

/** One way of running the echo server that every peer must work against. */
export interface Variant {
  readonly name: string;
  readonly tls: boolean;
  readonly deflate: boolean;
}

/**
 * Plain, deflate and TLS. Deflate over TLS is left out here: it adds a quarter to the run time
 * (Chromium spends most of it on the 1 MiB echoes), and the conformance suites already run
 * permessage-deflate over wss:// (tooling/conformance, categories 12 and 13).
 */
export const VARIANTS: readonly Variant[] = [
  { name: 'ws://', tls: false, deflate: false },
  { name: 'ws:// + permessage-deflate', tls: false, deflate: true },
  { name: 'wss://', tls: true, deflate: false },
];

export interface Target {
  readonly url: string;
  /** PEM certificate of a wss:// server, for clients that verify it. */
  readonly ca?: string;
}

export interface RunningTarget extends Target {
  close(): Promise<void>;
}

let cert: ReturnType<typeof generateSelfSignedCert> | undefined;

/** One certificate per test file: each costs an openssl run. */
export function testCertificate(): ReturnType<typeof generateSelfSignedCert> {
  cert ??= generateSelfSignedCert();
  return cert;
}

/** The echo server as the variant says, in this process, on 127.0.0.1 and a free port. */
export async function startVariant(variant: Variant): Promise<RunningTarget> {
  const tls = variant.tls ? await testCertificate() : undefined;
  const server = await startEchoServer({
    host: '127.0.0.1',
    port: 0,
    deflate: variant.deflate,
    ...(tls === undefined ? {} : { tls }),
  });
  return { url: server.url, ...(tls === undefined ? {} : { ca: tls.cert }), close: () => server.close() };
}
