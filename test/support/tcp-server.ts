import type { Server, Socket } from 'node:net';

/** Starts a TCP server on 127.0.0.1 at a free port and resolves with that port. */
export function listenOnFreeLoopbackPort(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (!address || typeof address === 'string') reject(new Error('the server has no port'));
      else resolve(address.port);
    });
  });
}

/** Closes a relay-like server: its open connections (tracked in `sockets`) are cut first, or close would wait for them. */
export function closeCuttingConnections(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  return new Promise((resolve) => server.close(() => resolve()));
}
