import { X509Certificate, createVerify } from 'node:crypto';
import * as z from 'zod';
import type { Clock } from '../../ports/clock.js';

/**
 * Verifies messages SNS delivers to an HTTPS subscription (the body of the POST), as AWS documents it: the signing
 * certificate must come from `https://sns.<region>.amazonaws.com/….pem` (the region of the topic), the signature
 * (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) must match the canonical string of the message type, and the
 * topic must be one we subscribed. Anything else is refused with a reason; nothing of the message is logged here.
 */

/** Fetches a URL over HTTPS (TLS verified) and returns the body; throws on any failure or non-2xx answer. */
export type HttpsGet = (url: string) => Promise<string>;

const common = {
  MessageId: z.string().min(1).max(100),
  TopicArn: z.string().min(1).max(300),
  Message: z.string().max(262_144),
  Timestamp: z.iso.datetime({ offset: true }),
  SignatureVersion: z.string().max(10),
  Signature: z.string().min(1).max(4096),
  SigningCertURL: z.string().min(1).max(2048),
};
const subscription = { ...common, Token: z.string().min(1).max(4096), SubscribeURL: z.string().min(1).max(4096) };

export const snsHttpMessageSchema = z.discriminatedUnion('Type', [
  z.object({
    Type: z.literal('Notification'),
    ...common,
    Subject: z.string().max(200).optional(),
    UnsubscribeURL: z.string().max(4096).optional(),
  }),
  z.object({ Type: z.literal('SubscriptionConfirmation'), ...subscription }),
  z.object({ Type: z.literal('UnsubscribeConfirmation'), ...subscription }),
]);

export type SnsHttpMessage = z.infer<typeof snsHttpMessageSchema>;

export type SnsRefusal =
  | 'malformed'
  | 'unknown-topic'
  | 'certificate-url'
  | 'subscribe-url'
  | 'signature-version'
  | 'certificate'
  | 'signature'
  | 'stale';

export type SnsVerification = { ok: true; message: SnsHttpMessage } | { ok: false; reason: SnsRefusal };

export interface SnsMessageVerifierOptions {
  /** SNS_HTTPS_TOPIC_ARNS: the only topics whose messages are accepted. */
  topicArns: readonly string[];
  fetchText: HttpsGet;
  clock: Clock;
  /** Older messages are refused, so a replay always falls inside the inbound message dedupe window. */
  maxAgeSeconds: number;
}

const MAX_FUTURE_SKEW_MS = 5 * 60_000;
const CERTIFICATE_CACHE_SIZE = 16;
const SNS_HOST = /^sns\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$/;

/** The fields signed for each message type, in the order SNS concatenates them. */
const signedFields: Record<SnsHttpMessage['Type'], readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** "Name\nvalue\n" for each signed field present (a Notification's Subject only when it has one). */
export function canonicalString(message: SnsHttpMessage): string {
  const values = message as unknown as Record<string, string | undefined>;
  return signedFields[message.Type]
    .filter((field) => values[field] !== undefined)
    .map((field) => `${field}\n${values[field]}\n`)
    .join('');
}

/** An https URL on `sns.<region>.amazonaws.com` (default port, no credentials), optionally with a .pem path. */
export function isSnsUrl(value: string, region: string, kind: 'certificate' | 'subscribe'): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const host = SNS_HOST.exec(url.hostname);
  if (
    url.protocol !== 'https:' ||
    !host ||
    host[1] !== region ||
    url.port !== '' ||
    url.username !== '' ||
    url.password !== ''
  )
    return false;
  if (kind === 'certificate') return url.pathname.endsWith('.pem') && url.search === '' && url.hash === '';
  return url.searchParams.get('Action') === 'ConfirmSubscription';
}

export class SnsMessageVerifier {
  private readonly certificates = new Map<string, Promise<X509Certificate>>();

  constructor(private readonly options: SnsMessageVerifierOptions) {}

  async verify(body: unknown): Promise<SnsVerification> {
    const parsed = snsHttpMessageSchema.safeParse(body);
    if (!parsed.success) return refuse('malformed');
    const message = parsed.data;
    if (!this.options.topicArns.includes(message.TopicArn)) return refuse('unknown-topic');
    const region = TOPIC_ARN.exec(message.TopicArn)?.[1];
    if (!region) return refuse('unknown-topic');
    if (!isSnsUrl(message.SigningCertURL, region, 'certificate')) return refuse('certificate-url');
    if (message.Type !== 'Notification' && !isSnsUrl(message.SubscribeURL, region, 'subscribe'))
      return refuse('subscribe-url');
    const algorithm =
      message.SignatureVersion === '1' ? 'RSA-SHA1' : message.SignatureVersion === '2' ? 'RSA-SHA256' : undefined;
    if (!algorithm) return refuse('signature-version');

    const now = this.options.clock.now().getTime();
    const publishedAt = Date.parse(message.Timestamp);
    if (publishedAt > now + MAX_FUTURE_SKEW_MS || now - publishedAt > this.options.maxAgeSeconds * 1000)
      return refuse('stale');

    let certificate: X509Certificate;
    try {
      certificate = await this.certificate(message.SigningCertURL);
    } catch {
      return refuse('certificate');
    }
    if (Date.parse(certificate.validFrom) > now || Date.parse(certificate.validTo) < now) return refuse('certificate');

    const verifier = createVerify(algorithm);
    verifier.update(canonicalString(message), 'utf8');
    let valid = false;
    try {
      valid = verifier.verify(certificate.publicKey, message.Signature, 'base64');
    } catch {
      valid = false;
    }
    return valid ? { ok: true, message } : refuse('signature');
  }

  /** The signing certificate, fetched once per URL and kept (a failed fetch is not kept, so it is tried again). */
  private certificate(url: string): Promise<X509Certificate> {
    const cached = this.certificates.get(url);
    if (cached) return cached;
    const loading = this.options.fetchText(url).then((pem) => new X509Certificate(pem));
    loading.catch(() => this.certificates.delete(url));
    if (this.certificates.size >= CERTIFICATE_CACHE_SIZE) {
      const oldest = this.certificates.keys().next().value;
      if (oldest !== undefined) this.certificates.delete(oldest);
    }
    this.certificates.set(url, loading);
    return loading;
  }
}

function refuse(reason: SnsRefusal): SnsVerification {
  return { ok: false, reason };
}

/** The HTTPS GET of the deployed api function: TLS verified, no redirects, a timeout and a size cap. */
export function createHttpsGet(options: { timeoutMs: number; maxBytes: number }): HttpsGet {
  return async (url: string) => {
    if (!url.startsWith('https://')) throw new Error('only https URLs are fetched');
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs) });
    if (!response.ok) throw new Error(`GET answered ${response.status}`);
    const text = await response.text();
    if (Buffer.byteLength(text) > options.maxBytes) throw new Error('answer too large');
    return text;
  };
}
