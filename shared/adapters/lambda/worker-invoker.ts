import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeliveryError } from '../../domain/errors.js';
import {
  workerAdminReplySchema,
  type WorkerAdminReply,
  type WorkerAdminRequest,
} from '../../domain/worker-admin-contract.js';
import type { WorkerInvoker } from '../../ports/directory-worker.js';

/** Reaches the directory worker with a synchronous invocation (`{ "admin": … }`) and checks its answer's shape. */
export class LambdaWorkerInvoker implements WorkerInvoker {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async invoke(request: WorkerAdminRequest): Promise<WorkerAdminReply> {
    const output = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify({ admin: request })),
      }),
    );
    // A crash, a timeout or a refused event: the payload then holds Lambda's error object, not a reply.
    if (output.FunctionError) throw new DeliveryError(`the directory worker failed (${output.FunctionError})`);
    const payload = output.Payload ? Buffer.from(output.Payload).toString('utf8') : '';
    const parsed = workerAdminReplySchema.safeParse(payload ? JSON.parse(payload) : undefined);
    if (!parsed.success) throw new DeliveryError('the directory worker answered with an unexpected payload');
    return parsed.data;
  }
}
