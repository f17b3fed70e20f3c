import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDb, type DynamoDbStandIn } from '../../local/stand-ins/dynamodb';
import { createBlinkTable } from '../../shared/adapters/dynamodb/table';
import type { ClientTarget } from '../../shared/composition/aws-clients';
import { localTarget } from './local-aws';
import { startedForSuite } from './suite-resource';

/** A stand-in and the SDK client pointed at it, both set once the file's beforeAll has run. */
export interface LocalService<StandIn, Client> {
  readonly standIn: StandIn;
  readonly client: Client;
}

/**
 * Starts a loopback stand-in before the test file's tests and connects a real SDK client to it; destroys the client
 * and stops the stand-in after them. Register it at the top of the file, before hooks that use it.
 */
export function useLocalService<
  StandIn extends { endpoint: string; stop(): Promise<void> },
  Client extends { destroy(): void },
>(start: () => Promise<StandIn>, connect: (target: ClientTarget) => Client): LocalService<StandIn, Client> {
  return startedForSuite(
    'the stand-in',
    async () => {
      const standIn = await start();
      return { standIn, client: connect(localTarget(standIn.endpoint)) };
    },
    async ({ standIn, client }) => {
      client.destroy();
      await standIn.stop();
    },
  );
}

/**
 * dynalite with a Blink table named `tableName`, for one test file. The document client is built without
 * removeUndefinedValues on purpose: the adapters must not depend on that client option.
 */
export function useBlinkTable(tableName: string): LocalService<DynamoDbStandIn, DynamoDBDocumentClient> {
  const dynamo = useLocalService(startDynamoDb, (target) => DynamoDBDocumentClient.from(new DynamoDBClient(target)));
  beforeAll(() => createBlinkTable(dynamo.client, tableName));
  return dynamo;
}
