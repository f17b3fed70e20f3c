import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerSecrets } from '../../shared/adapters/secrets/secrets-manager-secrets';
import { StaticSecrets } from '../../shared/adapters/secrets/static-secrets';
import { SystemClock } from '../../shared/adapters/system/clock';
import { ConfigurationError } from '../../shared/config/env';

// Secrets Manager has no local stand-in: the client is mocked.
const secretsManager = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const HMAC_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:blink/token-hmac-AbCdEf';

beforeEach(() => secretsManager.reset());
afterAll(() => secretsManager.restore());

describe('SecretsManagerSecrets', () => {
  it('reads the secret by its configured ARN and caches it for the TTL', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: HMAC_ARN })
      .resolvesOnce({ SecretString: 'first' })
      .resolves({ SecretString: 'rotated' });
    let nowMs = 1_000_000;
    const secrets = new SecretsManagerSecrets(client, {
      arns: { 'token-hmac-key': HMAC_ARN },
      cacheTtlMs: 60_000,
      nowMs: () => nowMs,
    });

    expect(await secrets.get('token-hmac-key')).toBe('first');
    nowMs += 59_999;
    expect(await secrets.get('token-hmac-key')).toBe('first');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    nowMs += 1;
    expect(await secrets.get('token-hmac-key')).toBe('rotated');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('shares one in-flight read between concurrent callers', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'value' });
    const secrets = new SecretsManagerSecrets(client, { arns: { 'token-hmac-key': HMAC_ARN } });
    const values = await Promise.all(Array.from({ length: 5 }, () => secrets.get('token-hmac-key')));
    expect(values).toEqual(Array(5).fill('value'));
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('does not cache a failed read, and never puts the value in an error', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: 'after-failure' });
    const secrets = new SecretsManagerSecrets(client, { arns: { 'token-hmac-key': HMAC_ARN } });
    await expect(secrets.get('token-hmac-key')).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(await secrets.get('token-hmac-key')).toBe('after-failure');
  });

  it('refuses a name without an ARN or a secret without a string value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    const secrets = new SecretsManagerSecrets(client, { arns: { 'token-hmac-key': HMAC_ARN } });
    await expect(secrets.get('directory-bind-password')).rejects.toBeInstanceOf(ConfigurationError);
    await expect(secrets.get('token-hmac-key')).rejects.toBeInstanceOf(ConfigurationError);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });
});

describe('StaticSecrets', () => {
  it('returns configured values and refuses missing ones without echoing any value', async () => {
    const secrets = new StaticSecrets({ 'token-hmac-key': 'local-hmac-key' });
    expect(await secrets.get('token-hmac-key')).toBe('local-hmac-key');
    const error = await secrets.get('directory-bind-password').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).not.toContain('local-hmac-key');
  });
});

describe('SystemClock', () => {
  it('tells the current time', () => {
    const before = Date.now();
    const now = new SystemClock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
