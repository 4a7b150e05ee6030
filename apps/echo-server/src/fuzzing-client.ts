import { connect } from '@websock/client';

export interface FuzzingClientOptions {
  /** The suite's fuzzing server, e.g. ws://127.0.0.1:9003 */
  readonly url: string;
  /** Name the reports are filed under. */
  readonly agent?: string;
  /** Run only these case numbers (1-based, as the suite counts them). */
  readonly cases?: readonly number[];
  readonly onCase?: (index: number, total: number) => void;
}

/**
 * Drives the Autobahn|Testsuite in its fuzzing-server mode with our client: asks the
 * case count, runs every case as an echo client, then asks the suite to write its reports.
 */
export async function runFuzzingClient(options: FuzzingClientOptions): Promise<number> {
  const agent = encodeURIComponent(options.agent ?? 'websock-client');
  const base = options.url.replace(/\/$/, '');
  const total = Number(await receiveOne(`${base}/getCaseCount`));
  const cases = options.cases ?? Array.from({ length: total }, (_, i) => i + 1);
  for (const index of cases) {
    options.onCase?.(index, total);
    await echoCase(`${base}/runCase?case=${index}&agent=${agent}`);
  }
  await receiveOne(`${base}/updateReports?agent=${agent}`);
  return total;
}

function echoCase(url: string): Promise<void> {
  return new Promise((resolve) => {
    connect(url, {
      maxMessageSize: 64 * 1024 * 1024,
      perMessageDeflate: true,
      message(ws, data, isBinary) {
        if (ws.readyState === 1) ws.send(data, isBinary);
      },
      close: () => resolve(),
    }).catch(() => resolve());
  });
}

function receiveOne(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    connect(url, {
      message(_ws, data) {
        text = data.toString();
      },
      close: () => resolve(text),
    }).catch(reject);
  });
}
