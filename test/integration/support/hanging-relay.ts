import { connect, createServer, type Socket } from 'node:net';
import { closeCuttingConnections, listenOnFreeLoopbackPort } from '../../support/tcp-server.js';

/**
 * A loopback TCP relay to a DC that can be made to hang: it keeps accepting connections but forwards nothing more in
 * either direction, as a DC does whose process is stuck (TCP answered by the kernel, LDAP never).
 */
export interface HangingRelay {
  url: string;
  hang(): void;
  close(): Promise<void>;
}

export async function startHangingRelay(host: string, port: number): Promise<HangingRelay> {
  const sockets = new Set<Socket>();
  let hanging = false;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined).on('close', () => sockets.delete(client));
    if (hanging) return;
    const upstream = connect(port, host);
    sockets.add(upstream);
    upstream.on('error', () => client.destroy()).on('close', () => sockets.delete(upstream));
    client.on('data', (chunk) => {
      if (!hanging) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!hanging) client.write(chunk);
    });
  });
  const relayPort = await listenOnFreeLoopbackPort(server);
  return {
    // 127.0.0.1 is in dc1's certificate: the relay's DC is verified as itself.
    url: `ldaps://127.0.0.1:${relayPort}`,
    hang() {
      hanging = true;
    },
    close: () => closeCuttingConnections(server, sockets),
  };
}
