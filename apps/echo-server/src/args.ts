import { parseArgs } from 'node:util';

export const usage = `Usage: websock-echo [options]

The websock reference echo server (Autobahn|Testsuite target).

  --host <host>          address to listen on (default 127.0.0.1)
  --port <port>          port to listen on (default 9001)
  --tls-cert <file>      PEM certificate: serve wss:// (with --tls-key)
  --tls-key <file>       PEM private key
  --tls-self-signed      serve wss:// with a throwaway self-signed certificate
  --http2                with TLS: WebSockets over HTTP/2 too (RFC 8441), same port
  --max-payload <bytes>  largest message echoed (default 67108864 = 64 MiB)
  --deflate              accept permessage-deflate (RFC 7692) when offered
  --verbose              one log line per connection
  --help                 this text
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface EchoArgs {
  readonly help: boolean;
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly selfSigned: true } | { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly http2: boolean;
  readonly maxPayload: number | undefined;
  readonly deflate: boolean;
  readonly verbose: boolean;
}

/** Parses the command line; throws UsageError with a message fit for the user. */
export function parseEchoArgs(argv: readonly string[]): EchoArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (values['tls-self-signed'] && certFile !== undefined) {
    throw new UsageError('--tls-self-signed and --tls-cert exclude each other');
  }
  if (values.http2 && certFile === undefined && !values['tls-self-signed']) {
    throw new UsageError('--http2 needs TLS (--tls-cert and --tls-key, or --tls-self-signed)');
  }
  const maxPayload = values['max-payload'];
  return {
    help: values.help,
    host: values.host,
    port: integer('--port', values.port, 0, 65535),
    tls: values['tls-self-signed']
      ? { selfSigned: true }
      : certFile !== undefined && keyFile !== undefined
        ? { certFile, keyFile }
        : undefined,
    http2: values.http2,
    maxPayload: maxPayload === undefined ? undefined : integer('--max-payload', maxPayload, 1, Number.MAX_SAFE_INTEGER),
    deflate: values.deflate,
    verbose: values.verbose,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '9001' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-self-signed': { type: 'boolean', default: false },
      http2: { type: 'boolean', default: false },
      'max-payload': { type: 'string' },
      deflate: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} needs an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}
