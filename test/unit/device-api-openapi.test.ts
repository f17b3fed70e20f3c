import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  createDocumentClient,
  createSesClient,
  createSmsVoiceClient,
  createSqsClient,
} from '../../shared/composition/aws-clients.js';
import { apiEnvSections, wireApi } from '../../shared/composition/api.js';
import { parseEnv } from '../../shared/config/env.js';
import { StaticSecrets } from '../../shared/adapters/secrets/static-secrets.js';
import { RecordingPushEndpoints } from '../../shared/adapters/sns/recording-push-endpoints.js';
import { SystemClock } from '../../shared/adapters/system/clock.js';
import { generateVapidKeys } from '../../shared/domain/web-push.js';

// docs/api/device-api.yaml is the contract a native app is built on: its (method, path) pairs must be exactly the
// /api/device and /api/setup routes the api function's router serves, read from the wiring itself (wireApi), so a
// route added or removed without the document fails here.

type Operation = { parameters?: { $ref?: string; name?: string }[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const documented: Document = parse(
  readFileSync(join(__dirname, '..', '..', 'docs', 'api', 'device-api.yaml'), 'utf8'),
) as Document;

/** The api function as its Lambda root wires it; the clients point nowhere (nothing is called). */
function servedRoutes(): { method: string; path: string }[] {
  const env = parseEnv(apiEnvSections, {
    TABLE_NAME: 'blink',
    JOB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/jobs',
    PUBLIC_BASE_URL: 'https://blink.example.com',
    EMAIL_FROM: 'blink@example.com',
    SMS_ORIGINATION_IDENTITIES: '+18553917277',
    SMS_INBOUND_NUMBERS: '+18553917277',
  });
  const target = {
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
  const { handler } = wireApi(env, {
    clients: {
      documentClient: createDocumentClient(target),
      sqs: createSqsClient(target),
      ses: createSesClient(target),
      smsVoice: createSmsVoiceClient(target),
    },
    secrets: new StaticSecrets({ 'token-hmac-key': 'k', 'vapid-keys': generateVapidKeys() }),
    pushEndpoints: new RecordingPushEndpoints(),
    clock: new SystemClock(),
    tracing: false,
  });
  return handler.routes;
}

const key = ({ method, path }: { method: string; path: string }) => `${method.toUpperCase()} ${path}`;

describe('docs/api/device-api.yaml', () => {
  it('is OpenAPI 3.1', () => {
    expect(documented.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it('describes exactly the /api/device and /api/setup routes the api function serves', () => {
    const served = servedRoutes()
      .filter((route) => /^\/api\/(device|setup)\//.test(route.path))
      .map(key)
      .sort();
    const inDocument = Object.entries(documented.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((method) => HTTP_METHODS.includes(method))
          .map((method) => key({ method, path })),
      )
      .sort();
    expect(served.length).toBeGreaterThan(10);
    expect(inDocument).toEqual(served);
  });

  it('gives every device route but registration (and its WebAuthn options) and the public push config the four signing headers', () => {
    const unsigned = new Set([
      'POST /api/device/register',
      'POST /api/device/webauthn/registration-options',
      'GET /api/device/push-config',
    ]);
    for (const [path, item] of Object.entries(documented.paths).filter(([path]) => path.startsWith('/api/device/'))) {
      for (const [method, operation] of Object.entries(item)) {
        const refs = (operation.parameters ?? []).map((parameter) => parameter.$ref);
        const signing = ['Device', 'Timestamp', 'Nonce', 'Signature'].map((name) => `#/components/parameters/${name}`);
        const signed = signing.every((ref) => refs.includes(ref));
        expect({ route: key({ method, path }), signed }).toEqual({
          route: key({ method, path }),
          signed: !unsigned.has(key({ method, path })),
        });
      }
    }
  });
});
