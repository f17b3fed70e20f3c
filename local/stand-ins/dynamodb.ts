import dynalite from 'dynalite';
import { closeServer, listenOnLoopback } from './listen.js';

export interface DynamoDbStandIn {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * DynamoDB in memory (dynalite). Tables are ACTIVE as soon as they are created. No TransactWriteItems and no TTL
 * deletion: the adapters are designed around single-item conditional writes and check expiry themselves.
 */
export async function startDynamoDb(options: { port?: number } = {}): Promise<DynamoDbStandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listenOnLoopback(server, options.port);
  return { endpoint, stop: () => closeServer(server) };
}
