#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { type EchoArgs, parseEchoArgs, UsageError, usage } from './args.js';
import { startEchoServer } from './echo.js';
import { generateSelfSignedCert } from './self-signed-cert.js';
import { closeOnSignals } from './shutdown.js';

async function main(): Promise<void> {
  const args = parseEchoArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(usage);
    return;
  }
  const server = await startEchoServer({
    host: args.host,
    port: args.port,
    verbose: args.verbose,
    deflate: args.deflate,
    http2: args.http2,
    ...(args.maxPayload === undefined ? {} : { maxPayload: args.maxPayload }),
    ...(args.tls === undefined ? {} : { tls: await loadTls(args.tls) }),
  });
  const over = args.http2 ? ' (HTTP/1.1 upgrades and HTTP/2 extended CONNECT)' : '';
  process.stdout.write(`websock echo server listening on ${server.url}${over}\n`);

  closeOnSignals(server, process, {
    log: (line) => process.stdout.write(`${line}\n`),
    exit: (code) => process.exit(code),
  });
}

async function loadTls(tls: NonNullable<EchoArgs['tls']>): Promise<{ cert: string; key: string }> {
  if ('selfSigned' in tls) return generateSelfSignedCert();
  return { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') };
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`websock-echo: ${error.message}\n\n${usage}`);
    process.exit(2);
  }
  process.stderr.write(`websock-echo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
