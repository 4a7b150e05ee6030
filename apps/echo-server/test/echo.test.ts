import { EventEmitter, once } from 'node:events';
import { connect as connectHttp2 } from 'node:http2';
import { connect } from '@websock/client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseEchoArgs, UsageError } from '../src/args.js';
import { generateSelfSignedCert, type RunningEchoServer, startEchoServer } from '../src/index.js';
import { closeOnSignals } from '../src/shutdown.js';

const running: RunningEchoServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(options: Parameters<typeof startEchoServer>[0] = {}): Promise<RunningEchoServer> {
  const server = await startEchoServer({ port: 0, ...options });
  running.push(server);
  return server;
}

async function roundTrip(url: string, messages: Array<string | Buffer>, options?: WebSocket.ClientOptions) {
  const client = new WebSocket(url, options);
  await once(client, 'open');
  const echoes: Array<[string, boolean]> = [];
  const done = new Promise<void>((resolve) =>
    client.on('message', (data, isBinary) => {
      echoes.push([isBinary ? `bin:${(data as Buffer).toString('hex')}` : String(data), isBinary]);
      if (echoes.length === messages.length) resolve();
    }),
  );
  for (const message of messages) client.send(message);
  await done;
  client.close(1000);
  const [code] = await once(client, 'close');
  return { echoes, code };
}

describe('echo server', () => {
  it('echoes text as text and binary as binary over ws://', async () => {
    const server = await start();
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const { echoes, code } = await roundTrip(server.url, ['hello', Buffer.from([0xde, 0xad]), '']);
    expect(echoes).toEqual([
      ['hello', false],
      ['bin:dead', true],
      ['', false],
    ]);
    expect(code).toBe(1000);
  });

  it('echoes over wss:// with a self-signed certificate', async () => {
    const tls = await generateSelfSignedCert();
    const server = await start({ tls });
    expect(server.url).toMatch(/^wss:/);
    const { echoes } = await roundTrip(server.url, ['secure'], { ca: tls.cert });
    expect(echoes).toEqual([['secure', false]]);
  });

  it('with http2: echoes over an HTTP/2 stream and over HTTP/1.1 on the same port', async () => {
    const tls = await generateSelfSignedCert();
    const server = await start({ tls, http2: true });
    const messages: Array<[string, boolean]> = [];
    const closed = new Promise<[number, boolean]>((resolve, reject) => {
      connect(server.url, {
        http2: true,
        tls: { ca: tls.cert },
        open(ws) {
          ws.send('over h2');
          ws.send(Buffer.from([0xbe, 0xef]));
        },
        message(ws, data, isBinary) {
          messages.push([isBinary ? `bin:${data.toString('hex')}` : data.toString(), isBinary]);
          expect(ws.transport).toBe('http2');
          if (messages.length === 2) ws.close(1000);
        },
        close: (_ws, code, _reason, wasClean) => resolve([code, wasClean]),
      }).catch(reject);
    });
    expect(await closed).toEqual([1000, true]);
    expect(messages).toEqual([
      ['over h2', false],
      ['bin:beef', true],
    ]);
    const { echoes } = await roundTrip(server.url, ['over HTTP/1.1'], { ca: tls.cert });
    expect(echoes).toEqual([['over HTTP/1.1', false]]);
  });

  it('with http2: advertises extended CONNECT in its first SETTINGS (RFC 8441 §3)', async () => {
    const tls = await generateSelfSignedCert();
    const server = await start({ tls, http2: true });
    const session = connectHttp2(`https://127.0.0.1:${server.port}`, { ca: tls.cert });
    const [settings] = await once(session, 'remoteSettings');
    expect(settings.enableConnectProtocol).toBe(true);
    session.close();
    await once(session, 'close');
  });

  it('refuses http2 without tls', async () => {
    await expect(startEchoServer({ port: 0, http2: true })).rejects.toThrow(/http2 needs tls/);
  });

  it('compresses with permessage-deflate when asked and offered', async () => {
    const server = await start({ deflate: true });
    const client = new WebSocket(server.url, { perMessageDeflate: { threshold: 0 } });
    await once(client, 'open');
    expect(client.extensions).toContain('permessage-deflate');
    const text = 'compress me '.repeat(1000);
    client.send(text);
    const [data, isBinary] = await once(client, 'message');
    expect(String(data)).toBe(text);
    expect(isBinary).toBe(false);
    client.close();
    await once(client, 'close');
  });

  it('accepts any offered subprotocol: selects the first one the client offers', async () => {
    const server = await start();
    const client = new WebSocket(server.url, ['chat', 'superchat']);
    await once(client, 'open');
    expect(client.protocol).toBe('chat');
    client.send('hi');
    const [data] = await once(client, 'message');
    expect(String(data)).toBe('hi');
    client.close(1000);
    await once(client, 'close');

    const plain = new WebSocket(server.url);
    await once(plain, 'open');
    expect(plain.protocol).toBe('');
    plain.close(1000);
    await once(plain, 'close');
  });

  it('fails a message over --max-payload with 1009', async () => {
    const server = await start({ maxPayload: 1024 });
    const client = new WebSocket(server.url);
    await once(client, 'open');
    client.send(Buffer.alloc(2048));
    const [code] = await once(client, 'close');
    expect(code).toBe(1009);
  });

  it('shuts down gracefully on SIGTERM: 1001 to every client, then exit 0', async () => {
    const server = await startEchoServer({ port: 0 });
    const clients = await Promise.all(
      [1, 2].map(async () => {
        const client = new WebSocket(server.url);
        await once(client, 'open');
        return client;
      }),
    );
    const signals = new EventEmitter();
    const logged: string[] = [];
    const exited = new Promise<number>((resolve) =>
      closeOnSignals(server, signals, { log: (line) => logged.push(line), exit: resolve }),
    );
    const codes = clients.map((client) => once(client, 'close').then(([code]) => code as number));
    signals.emit('SIGTERM');
    signals.emit('SIGINT'); // ignored: already closing
    expect(await exited).toBe(0);
    expect(await Promise.all(codes)).toEqual([1001, 1001]);
    expect(logged).toEqual(['SIGTERM: closing connections (1001)']);
  });
});

describe('command line', () => {
  it('has the documented defaults', () => {
    expect(parseEchoArgs([])).toEqual({
      help: false,
      host: '127.0.0.1',
      port: 9001,
      tls: undefined,
      http2: false,
      maxPayload: undefined,
      deflate: false,
      verbose: false,
    });
  });

  it('parses every option', () => {
    expect(
      parseEchoArgs([
        '--host',
        '::1',
        '--port',
        '0',
        '--tls-cert',
        'c.pem',
        '--tls-key',
        'k.pem',
        '--http2',
        '--max-payload',
        '1024',
        '--deflate',
        '--verbose',
      ]),
    ).toEqual({
      help: false,
      host: '::1',
      port: 0,
      tls: { certFile: 'c.pem', keyFile: 'k.pem' },
      http2: true,
      maxPayload: 1024,
      deflate: true,
      verbose: true,
    });
    expect(parseEchoArgs(['--tls-self-signed']).tls).toEqual({ selfSigned: true });
    expect(parseEchoArgs(['--tls-self-signed', '--http2']).http2).toBe(true);
  });

  it.each([
    [['--port', '70000']],
    [['--port', 'abc']],
    [['--max-payload', '0']],
    [['--tls-cert', 'c.pem']],
    [['--tls-self-signed', '--tls-cert', 'c', '--tls-key', 'k']],
    [['--http2']],
    [['--unknown']],
  ])('rejects %j with a usage error', (argv) => {
    expect(() => parseEchoArgs(argv)).toThrow(UsageError);
  });
});
