import sesServer from 'aws-ses-v2-local';
import * as z from 'zod';
import { baseUrlOf, closeServer } from './listen.js';

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

export interface SesStandIn {
  endpoint: string;
  /** Every email sent so far, oldest first. */
  listEmails(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * SES v2 (aws-ses-v2-local). Its store is global to the module, so two stand-ins in one process would share their
 * emails: start one per process (jest runs each test file in its own module registry).
 */
export async function startSes(options: { port?: number } = {}): Promise<SesStandIn> {
  // aws-ses-v2-local listens itself (resolving once it does); with port 0 we read the chosen port back.
  const server = await sesServer({ host: '127.0.0.1', port: options.port ?? 0 });
  const endpoint = baseUrlOf(server);
  return {
    endpoint,
    async listEmails() {
      const response = await fetch(`${endpoint}/store`);
      if (!response.ok) throw new Error(`SES stand-in store answered ${response.status}`);
      return storeSchema.parse(await response.json()).emails;
    },
    async clear() {
      const response = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
      if (!response.ok) throw new Error(`SES stand-in clear answered ${response.status}`);
    },
    stop: () => closeServer(server),
  };
}

