// Node only: a real node:http server and client on 127.0.0.1, the transport @websock/server and
// @websock/client use. The same handshake without sockets runs everywhere in client.test.ts.
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  buildAcceptResponse,
  buildRejectionResponse,
  createClientHandshake,
  HandshakeError,
  HandshakeRejection,
  selectProtocol,
  validateServerResponse,
  validateUpgradeRequest,
} from '../src/index.js';

describe('both sides together over node:http', () => {
  it('on 127.0.0.1: accepted and rejected', async () => {
    const server = createServer();
    server.on('upgrade', (req, socket) => {
      try {
        const info = validateUpgradeRequest(req);
        if (req.headers.authorization !== 'Bearer ok')
          throw new HandshakeRejection(401, 'no', { headers: { 'WWW-Authenticate': 'Bearer' } });
        socket.end(buildAcceptResponse({ key: info.key, protocol: selectProtocol(info.protocols, ['chat']) }));
      } catch (error) {
        socket.end(buildRejectionResponse(error as HandshakeRejection));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const attempt = async (token: string) => {
      const hs = createClientHandshake({
        host: `127.0.0.1:${port}`,
        path: '/',
        protocols: ['chat'],
        headers: { Authorization: `Bearer ${token}` },
      });
      const req = request({ host: '127.0.0.1', port, path: '/', headers: hs.headers });
      req.end();
      return new Promise<unknown>((resolve) => {
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve(validateServerResponse({ status: res.statusCode ?? 0, headers: res.headers }, hs));
        });
        req.on('response', (res) => {
          res.resume();
          try {
            validateServerResponse({ status: res.statusCode ?? 0, headers: res.headers }, hs);
          } catch (error) {
            resolve(error);
          }
        });
      });
    };
    try {
      expect(await attempt('ok')).toEqual({ protocol: 'chat', extensions: [] });
      const error = (await attempt('bad')) as HandshakeError;
      expect(error).toBeInstanceOf(HandshakeError);
      expect(error).toMatchObject({ code: 'WS_ERR_UNEXPECTED_STATUS', status: 401 });
      expect(error.headers?.['www-authenticate']).toBe('Bearer');
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
