import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as z from 'zod';
import { closeServer, listenOnLoopback } from './listen.js';

/**
 * AWS End User Messaging SMS (pinpoint-sms-voice-v2) as far as Blink uses it: SendTextMessage and
 * DescribeOptedOutNumbers over the JSON 1.0 protocol, with AWS-shaped errors so the real SDK client raises its real
 * exception classes. No such stand-in is published.
 */

export interface SentSms {
  messageId: string;
  to: string;
  from?: string;
  body: string;
  messageType?: string;
  configurationSetName?: string;
  at: Date;
}

export interface InjectedFailure {
  /** AWS error type, e.g. ThrottlingException or InternalServerException. */
  type: string;
  status: number;
  /** Only sends to this number fail (others, e.g. a worker's in the background, go through); any send when absent. */
  to?: string;
}

export interface SmsVoiceStandIn {
  endpoint: string;
  listMessages(): SentSms[];
  /** Names of the operations called so far, in order (e.g. to see that a check happened before a send). */
  listCalls(): string[];
  /** Puts the number on the opt-out list, as a STOP reply would. */
  optOut(phoneE164: string): void;
  /** Answers the next `count` SendTextMessage calls with this error instead of sending. */
  failNext(failure: InjectedFailure, count?: number): void;
  clear(): void;
  stop(): Promise<void>;
}

const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 phone number');

const sendTextMessageSchema = z.object({
  DestinationPhoneNumber: e164,
  OriginationIdentity: z.string().min(1).max(256).optional(),
  MessageBody: z.string().min(1).max(1600).optional(),
  MessageType: z.enum(['TRANSACTIONAL', 'PROMOTIONAL']).optional(),
  Keyword: z.string().optional(),
  ConfigurationSetName: z.string().min(1).max(256).optional(),
  MaxPrice: z.string().optional(),
  TimeToLive: z.number().int().min(5).max(259200).optional(),
  Context: z.record(z.string(), z.string()).optional(),
  DestinationCountryParameters: z.record(z.string(), z.string()).optional(),
  DryRun: z.boolean().optional(),
  ProtectConfigurationId: z.string().optional(),
  MessageFeedbackEnabled: z.boolean().optional(),
});

const describeOptedOutNumbersSchema = z.object({
  OptOutListName: z.string().min(1),
  OptedOutNumbers: z.array(e164).optional(),
  NextToken: z.string().optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
});

const SERVICE = 'PinpointSMSVoiceV2';

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function startSmsVoice(
  options: { port?: number; optOutListName?: string } = {},
): Promise<SmsVoiceStandIn> {
  const optOutListName = options.optOutListName ?? 'Default';
  const messages: SentSms[] = [];
  const optedOut = new Map<string, Date>();
  const failures: InjectedFailure[] = [];
  const calls: string[] = [];

  function sendTextMessage(input: unknown) {
    const request = parseOrThrow(sendTextMessageSchema, input);
    const index = failures.findIndex(
      (failure) => failure.to === undefined || failure.to === request.DestinationPhoneNumber,
    );
    const [injected] = index >= 0 ? failures.splice(index, 1) : [];
    if (injected) throw new AwsError(injected.status, injected.type, 'Injected failure');
    if (optedOut.has(request.DestinationPhoneNumber)) {
      throw new AwsError(
        400,
        'ConflictException',
        'The destination phone number has opted out of receiving messages.',
        {
          Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
          ResourceType: 'opted-out-number',
          ResourceId: request.DestinationPhoneNumber,
        },
      );
    }
    const messageId = randomUUID();
    if (!request.DryRun) {
      messages.push({
        messageId,
        to: request.DestinationPhoneNumber,
        ...(request.OriginationIdentity ? { from: request.OriginationIdentity } : {}),
        body: request.MessageBody ?? '',
        ...(request.MessageType ? { messageType: request.MessageType } : {}),
        ...(request.ConfigurationSetName ? { configurationSetName: request.ConfigurationSetName } : {}),
        at: new Date(),
      });
    }
    return { MessageId: messageId };
  }

  function describeOptedOutNumbers(input: unknown) {
    const request = parseOrThrow(describeOptedOutNumbersSchema, input);
    if (
      request.OptOutListName !== optOutListName &&
      !request.OptOutListName.endsWith(`:opt-out-list/${optOutListName}`)
    ) {
      throw new AwsError(404, 'ResourceNotFoundException', 'The opt-out list was not found.', {
        ResourceType: 'opt-out-list',
        ResourceId: request.OptOutListName,
      });
    }
    const numbers = [...optedOut.entries()].filter(
      ([number]) => !request.OptedOutNumbers || request.OptedOutNumbers.includes(number),
    );
    return {
      OptOutListArn: `arn:aws:sms-voice:us-east-1:000000000000:opt-out-list/${optOutListName}`,
      OptOutListName: optOutListName,
      OptedOutNumbers: numbers.map(([number, at]) => ({
        OptedOutNumber: number,
        OptedOutTimestamp: at.getTime() / 1000,
        EndUserOptedOut: true,
      })),
    };
  }

  const operations: Record<string, (input: unknown) => unknown> = {
    SendTextMessage: sendTextMessage,
    DescribeOptedOutNumbers: describeOptedOutNumbers,
  };

  async function handle(request: IncomingMessage, response: ServerResponse) {
    try {
      if (request.method !== 'POST') throw new AwsError(404, 'UnknownOperationException', 'Unknown operation');
      if (!request.headers.authorization) {
        throw new AwsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      const target = String(request.headers['x-amz-target'] ?? '');
      const [service, operationName = ''] = target.split('.');
      const operation = operations[operationName];
      if (service !== SERVICE || !operation)
        throw new AwsError(400, 'UnknownOperationException', `Unknown operation ${target}`);
      calls.push(operationName);
      let input: unknown;
      try {
        input = JSON.parse(await readBody(request));
      } catch {
        throw new AwsError(400, 'SerializationException', 'Request body is not valid JSON');
      }
      reply(response, 200, operation(input));
    } catch (error) {
      if (error instanceof AwsError) {
        response.setHeader('x-amzn-ErrorType', error.type);
        reply(response, error.status, { __type: error.type, Message: error.message, ...error.extra });
      } else {
        reply(response, 500, { __type: 'InternalServerException', Message: 'Internal error in the SMS stand-in' });
      }
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  const endpoint = await listenOnLoopback(server, options.port);
  return {
    endpoint,
    listMessages: () => messages.map((message) => ({ ...message })),
    listCalls: () => [...calls],
    optOut: (phoneE164) => void optedOut.set(phoneE164, new Date()),
    failNext: (failure, count = 1) => {
      for (let index = 0; index < count; index += 1) failures.push(failure);
    },
    clear: () => {
      messages.length = 0;
      calls.length = 0;
      optedOut.clear();
      failures.length = 0;
    },
    stop: () => closeServer(server),
  };
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    Name: issue.path.join('.') || '(body)',
    Message: issue.message,
  }));
  const missing = result.error.issues.some((issue) => issue.code === 'invalid_type' && issue.input === undefined);
  throw new AwsError(400, 'ValidationException', `Invalid request: ${fields.map((field) => field.Name).join(', ')}`, {
    Reason: missing ? 'MISSING_PARAMETER' : 'FIELD_VALIDATION_FAILED',
    Fields: fields,
  });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown) {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(payload);
}
