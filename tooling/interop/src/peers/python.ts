import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CaseResult, EchoCase } from '../cases.js';
import type { Target } from '../servers.js';

const SCRIPT = fileURLToPath(new URL('../../python/echo_peer.py', import.meta.url));

/** A bound for the whole run of one variant, so a stuck peer fails the test instead of hanging it. */
const RUN_TIMEOUT_MS = 30_000;

/**
 * The first interpreter that can import websockets: $INTEROP_PYTHON, then `python3` on the
 * PATH, then Debian's /usr/bin/python3 (where apt's python3-websockets lives; a pyenv or
 * venv python3 earlier on the PATH does not see it).
 */
export function findPython(): { command: string; version: string } {
  const candidates = [process.env.INTEROP_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (candidate): candidate is string => candidate !== undefined && candidate !== '',
  );
  for (const command of candidates) {
    const probe = spawnSync(command, ['-c', 'import websockets; print(websockets.__version__)'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (probe.status === 0) return { command, version: probe.stdout.trim() };
  }
  throw new Error(
    `no python3 with the websockets package among ${candidates.join(', ')}: apt-get install python3-websockets`,
  );
}

/** Runs the cases in one python process for the target; the script prints the results as JSON. */
export function runWithPython(python: string, target: Target, cases: readonly EchoCase[]): Promise<CaseResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT, target.url], { stdio: ['pipe', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const errors = Buffer.concat(stderr).toString('utf8');
      if (code !== 0) {
        reject(new Error(`${python} echo_peer.py exited with ${signal ?? code}: ${errors.slice(-2000)}`));
        return;
      }
      const output = JSON.parse(Buffer.concat(stdout).toString('utf8')) as { results: CaseResult[] };
      resolve(output.results);
    });
    child.stdin.end(JSON.stringify({ cases, ca: target.ca ?? null }));
  });
}
