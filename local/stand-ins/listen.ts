import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on 127.0.0.1 and resolves with its base URL. */
export function listenOnLoopback(server: Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(baseUrlOf(server));
    });
  });
}

export function baseUrlOf(server: Server): string {
  return `http://127.0.0.1:${portOf(server)}`;
}

/** The port a listening server was given (the one asked for, or the free one picked for port 0). */
export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Closes the server, dropping keep-alive connections the SDK clients may still hold. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
