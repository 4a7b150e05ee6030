// Node only: a real node:http2 server and session (h2c on 127.0.0.1), the transport
// @websock/server's HTTP/2 path uses. The validators alone run in Chromium too (http2.test.ts).
import { once } from 'node:events';
import { connect, constants, createServer, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildExtendedConnectResponse, type HandshakeRejection, validateExtendedConnect } from '../src/index.js';

describe('over node:http2 (h2c on 127.0.0.1)', () => {
  it('opens a WebSocket stream through extended CONNECT', async () => {
    const server = createServer({ settings: { enableConnectProtocol: true } });
    server.on('stream', (stream, headers) => {
      try {
        const info = validateExtendedConnect(headers);
        stream.respond(buildExtendedConnectResponse({ protocol: info.protocols[0], offeredProtocols: info.protocols }));
        stream.end();
      } catch (error) {
        const rejection = error as HandshakeRejection;
        stream.respond({ ':status': rejection.status, ...rejection.headers });
        stream.end(rejection.message);
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = connect(`http://127.0.0.1:${port}`);
    try {
      await once(client, 'remoteSettings');
      const ask = async (extra: Record<string, string>) => {
        const stream = client.request(
          {
            ':method': 'CONNECT',
            ':protocol': 'websocket',
            ':scheme': 'http',
            ':path': '/chat',
            ':authority': `127.0.0.1:${port}`,
            'sec-websocket-version': '13',
            ...extra,
          },
          { endStream: false },
        );
        const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
        stream.close(constants.NGHTTP2_NO_ERROR);
        return headers;
      };
      expect(await ask({ 'sec-websocket-protocol': 'chat' })).toMatchObject({
        ':status': 200,
        'sec-websocket-protocol': 'chat',
      });
      expect(await ask({ 'sec-websocket-version': '8' })).toMatchObject({
        ':status': 400,
        'sec-websocket-version': '13',
      });
    } finally {
      client.close();
      server.close();
    }
  });
});
