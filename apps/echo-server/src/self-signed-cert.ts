import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  /** PEM certificate for localhost, 127.0.0.1 and ::1. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/**
 * A throwaway self-signed certificate for localhost, 127.0.0.1 and ::1, valid two days:
 * what `--tls-self-signed` serves, and what the workspace's tests use for wss://
 * (through `@websock/testing`). Node has no certificate generator built in; the
 * `openssl` command is on every machine we run on.
 */
export async function generateSelfSignedCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'websock-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    ]);
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { cert, key };
  } catch (error) {
    throw new Error('could not generate a self-signed certificate: is the openssl command installed?', {
      cause: error,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
