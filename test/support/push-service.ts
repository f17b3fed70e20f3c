import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createDemoCertificates } from '../../local/demo-directory/certificates.js';
import { startedForSuite } from './suite-resource.js';

/**
 * A loopback Web Push service (RFC 8030) for tests, over TLS with its own CA. It hands out subscriptions whose P-256
 * key pair and auth secret it makes itself (as a browser would), and for each POST to one it checks the VAPID
 * authorization (RFC 8292: an ES256 JWT whose audience is this origin, signed by the key in `k`) and decrypts the
 * aes128gcm body (RFC 8188 framing, RFC 8291 key derivation). Written from the RFCs, independently of the product's
 * sender and of the web-push library.
 */

export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  subscriptionId: string;
  /** The VAPID public key (`k`) the push was signed with, base64url. */
  vapidPublicKey: string;
  /** The JWT's `sub` claim. */
  subject: string;
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
  /** The decrypted payload, as text. */
  plaintext: string;
}

export interface PushServiceStandIn {
  origin: string;
  /** PEM of the CA that signed its certificate (give it to the sender's TLS agent). */
  caPem: string;
  subscribe(): TestSubscription;
  /** Every push accepted so far (answered 201), oldest first. */
  received(): ReceivedPush[];
  /** Why pushes were refused (bad VAPID, undecryptable body…), for a test that fails to say why. */
  refusals(): string[];
  /** Answers every later push to this subscription with `status` instead of accepting it (410: gone); undefined: accept again. */
  answerWith(endpoint: string, status: number | undefined): void;
  /** The pushes answered with a status set by answerWith, oldest first. */
  answeredWith(): Array<{ subscriptionId: string; status: number }>;
  close(): Promise<void>;
}

interface Subscriber {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
}

export async function startPushService(): Promise<PushServiceStandIn> {
  const certificates = await createDemoCertificates();
  const subscribers = new Map<string, Subscriber>();
  const statuses = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const refusals: string[] = [];
  const overridden: Array<{ subscriptionId: string; status: number }> = [];
  let origin = '';

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const id = /^\/push\/([0-9a-f-]{36})$/.exec(request.url ?? '')?.[1];
    const subscriber = id ? subscribers.get(id) : undefined;
    if (request.method !== 'POST' || !id || !subscriber) {
      response.writeHead(404).end();
      return;
    }
    const status = statuses.get(id);
    if (status !== undefined) {
      overridden.push({ subscriptionId: id, status });
      response.writeHead(status).end();
      return;
    }
    try {
      const vapid = checkVapid(request.headers.authorization, origin);
      if (request.headers['content-encoding'] !== 'aes128gcm')
        throw new Error(`content-encoding ${request.headers['content-encoding']}`);
      const ttl = Number(request.headers.ttl);
      if (!Number.isInteger(ttl) || ttl < 0) throw new Error('TTL header missing');
      received.push({
        subscriptionId: id,
        ...vapid,
        ttl,
        urgency: header(request, 'urgency'),
        topic: header(request, 'topic'),
        plaintext: decryptAes128gcm(body, subscriber).toString('utf8'),
      });
      response.writeHead(201, { location: `${origin}/message/${randomUUID()}` }).end();
    } catch (error) {
      refusals.push(error instanceof Error ? error.message : String(error));
      response.writeHead(400).end();
    }
  };

  const server = createServer({ cert: certificates.certificatePem, key: certificates.keyPem }, (request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    caPem: certificates.caPem,
    subscribe() {
      const id = randomUUID();
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subscribers.set(id, { ecdh, auth });
      return {
        endpoint: `${origin}/push/${id}`,
        keys: { p256dh: ecdh.getPublicKey('base64url'), auth: auth.toString('base64url') },
      };
    },
    received: () => [...received],
    refusals: () => [...refusals],
    answerWith(endpoint, status) {
      const id = endpoint.split('/').pop() ?? '';
      if (status === undefined) statuses.delete(id);
      else statuses.set(id, status);
    },
    answeredWith: () => [...overridden],
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** RFC 8292 §3: `Authorization: vapid t=<JWT>, k=<P-256 public key>`; the JWT is ES256 over aud = the push origin. */
function checkVapid(authorization: string | undefined, origin: string): { vapidPublicKey: string; subject: string } {
  const match = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(
    authorization ?? '',
  );
  if (!match?.[1] || !match[2]) throw new Error(`authorization is not "vapid t=…, k=…": ${authorization}`);
  const [token, k] = [match[1], match[2]];
  const [headerPart, claimsPart, signaturePart] = token.split('.') as [string, string, string];
  const jwtHeader = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: string };
  if (jwtHeader.alg !== 'ES256') throw new Error(`JWT alg ${jwtHeader.alg}`);
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 0x04) throw new Error('k is not an uncompressed P-256 point');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  // JWS ES256 signatures are r || s (64 bytes), not DER.
  const signed = verify(
    'sha256',
    Buffer.from(`${headerPart}.${claimsPart}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signaturePart, 'base64url'),
  );
  if (!signed) throw new Error('the VAPID JWT signature does not verify with k');
  const claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8')) as {
    aud?: string;
    exp?: number;
    sub?: string;
  };
  if (claims.aud !== origin) throw new Error(`JWT aud ${claims.aud} is not ${origin}`);
  const nowSeconds = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds || claims.exp > nowSeconds + 24 * 3600)
    throw new Error(`JWT exp ${claims.exp} out of range`);
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Error(`JWT sub ${claims.sub}`);
  return { vapidPublicKey: k, subject: claims.sub };
}

/**
 * RFC 8188 §2: salt (16) | rs (uint32) | idlen (1) | keyid (idlen) | records. RFC 8291 §3.4: keyid is the sender's
 * ephemeral public key; IKM = HKDF(salt = auth, ECDH secret, "WebPush: info\0" || ua_public || as_public, 32); then
 * CEK = HKDF(salt, IKM, "Content-Encoding: aes128gcm\0", 16) and NONCE = HKDF(salt, IKM, "Content-Encoding: nonce\0", 12).
 * A push is one record (RFC 8291 §4): plaintext || 0x02 || zero padding, then the 16-byte GCM tag.
 */
function decryptAes128gcm(body: Buffer, subscriber: Subscriber): Buffer {
  if (body.length < 21) throw new Error('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body[20] ?? 0;
  const senderPublicKey = body.subarray(21, 21 + keyIdLength);
  const record = body.subarray(21 + keyIdLength);
  if (keyIdLength !== 65) throw new Error(`keyid is ${keyIdLength} bytes, not a P-256 public key`);
  if (record.length > recordSize) throw new Error('more than one record');
  const sharedSecret = subscriber.ecdh.computeSecret(senderPublicKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), subscriber.ecdh.getPublicKey(), senderPublicKey]);
  const ikm = Buffer.from(hkdfSync('sha256', sharedSecret, subscriber.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 0x02) throw new Error('the last record does not end with the 0x02 delimiter');
  return padded.subarray(0, end);
}

/**
 * The loopback push service for one test file, with an HTTPS agent that trusts it (the runtime's webPushAgent), both
 * ended after its last test. Read them in tests and in hooks registered after this call.
 */
export function usePushService(): Readonly<{ service: PushServiceStandIn; agent: Agent }> {
  return startedForSuite(
    'the push service',
    async () => {
      const service = await startPushService();
      return { service, agent: new Agent({ ca: service.caPem }) };
    },
    async ({ service, agent }) => {
      agent.destroy();
      await service.close();
    },
  );
}
