import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import sesServer from 'aws-ses-v2-local';
import * as z from 'zod';
import { baseUrlOf, closeServer, listenOnLoopback } from './listen.js';

const storedEmailSchema = z.object({
  messageId: z.string(),
  from: z.string(),
  destination: z.object({ to: z.array(z.string()), cc: z.array(z.string()), bcc: z.array(z.string()) }),
  subject: z.string(),
  body: z.object({ html: z.string().optional(), text: z.string().optional() }),
  at: z.number(),
});
const storeSchema = z.object({ emails: z.array(storedEmailSchema) });

export type StoredEmail = z.infer<typeof storedEmailSchema>;

export interface InjectedEmailFailure {
  /** SES error type, e.g. MessageRejected (400) or InternalFailure (500; the SDK retries it). */
  type: string;
  status: number;
  /** Only sends to this address fail (case-insensitive); any send when absent. */
  to?: string;
}

export interface SesStandIn {
  endpoint: string;
  /** Every email sent so far, oldest first. */
  listEmails(): Promise<StoredEmail[]>;
  /** Answers the next `count` SendEmail calls (to `failure.to`, when given) with this error instead of sending. */
  failNext(failure: InjectedEmailFailure, count?: number): void;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

const sendEmailRecipientsSchema = z.looseObject({
  Destination: z
    .looseObject({
      ToAddresses: z.array(z.string()).optional(),
      CcAddresses: z.array(z.string()).optional(),
      BccAddresses: z.array(z.string()).optional(),
    })
    .optional(),
});

/**
 * SES v2 (aws-ses-v2-local) behind a small relay of our own, which can answer a send with an injected error (the
 * package has no such hook). Its store is global to the module, so two stand-ins in one process would share their
 * emails: start one per process (jest runs each test file in its own module registry).
 */
export async function startSes(options: { port?: number } = {}): Promise<SesStandIn> {
  // aws-ses-v2-local listens itself (resolving once it does); with port 0 we read the chosen port back.
  const backend = await sesServer({ host: '127.0.0.1', port: 0 });
  const backendUrl = baseUrlOf(backend);
  const failures: InjectedEmailFailure[] = [];

  const injectedFailureFor = (path: string, body: Buffer): InjectedEmailFailure | undefined => {
    if (failures.length === 0 || !path.startsWith('/v2/email/outbound-emails')) return undefined;
    let recipients: string[] = [];
    try {
      const destination = sendEmailRecipientsSchema.parse(JSON.parse(body.toString('utf8'))).Destination;
      recipients = [
        ...(destination?.ToAddresses ?? []),
        ...(destination?.CcAddresses ?? []),
        ...(destination?.BccAddresses ?? []),
      ];
    } catch {
      return undefined; // Not a request this relay understands: aws-ses-v2-local answers it.
    }
    const wanted = new Set(recipients.map((address) => address.toLowerCase()));
    const index = failures.findIndex((failure) => failure.to === undefined || wanted.has(failure.to.toLowerCase()));
    return index >= 0 ? failures.splice(index, 1)[0] : undefined;
  };

  const relay = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = incoming.url ?? '/';
    const injected = incoming.method === 'POST' ? injectedFailureFor(path, body) : undefined;
    if (injected) {
      // SES v2 is a REST-JSON API: the SDK reads the error's type from this header.
      outgoing.writeHead(injected.status, { 'content-type': 'application/json', 'x-amzn-ErrorType': injected.type });
      outgoing.end(JSON.stringify({ message: 'Injected failure' }));
      return;
    }
    const upstream = httpRequest(
      new URL(path, backendUrl),
      { method: incoming.method ?? 'GET', headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify({ message: 'SES stand-in unavailable' }));
    });
    upstream.end(body);
  };

  const front = createServer((incoming, outgoing) => void relay(incoming, outgoing).catch(() => outgoing.destroy()));
  let endpoint: string;
  try {
    endpoint = await listenOnLoopback(front, options.port ?? 0);
  } catch (error) {
    await closeServer(backend);
    throw error;
  }
  return {
    endpoint,
    async listEmails() {
      const response = await fetch(`${backendUrl}/store`);
      if (!response.ok) throw new Error(`SES stand-in store answered ${response.status}`);
      return storeSchema.parse(await response.json()).emails;
    },
    failNext: (failure, count = 1) => {
      for (let index = 0; index < count; index += 1) failures.push(failure);
    },
    async clear() {
      failures.length = 0;
      const response = await fetch(`${backendUrl}/clear-store`, { method: 'POST' });
      if (!response.ok) throw new Error(`SES stand-in clear answered ${response.status}`);
    },
    stop: async () => {
      await closeServer(front);
      await closeServer(backend);
    },
  };
}
