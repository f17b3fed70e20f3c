import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../../config/env.js';
import type { SecretName, Secrets } from '../../ports/secrets.js';

export interface SecretsManagerSecretsOptions {
  /** Secret ARN per name (TOKEN_HMAC_SECRET_ARN, DIRECTORY_BIND_SECRET_ARN); a name without one cannot be read. */
  arns: Partial<Record<SecretName, string>>;
  /** How long a fetched value is reused before it is read again (rotation shows up after at most this long). */
  cacheTtlMs?: number;
  /** Monotonic-enough time source, injectable for tests. */
  nowMs?: () => number;
}

const DEFAULT_CACHE_TTL_MS = 5 * 60_000;

/**
 * Reads secrets from Secrets Manager, caching each value in memory for a while (one read per Lambda instance per
 * TTL) and sharing one in-flight read between concurrent callers. Values are never logged and never put in errors.
 */
export class SecretsManagerSecrets implements Secrets {
  private readonly cache = new Map<SecretName, { value: string; fetchedAtMs: number }>();
  private readonly inFlight = new Map<SecretName, Promise<string>>();
  private readonly cacheTtlMs: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerSecretsOptions,
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.nowMs = options.nowMs ?? Date.now;
  }

  get(name: SecretName): Promise<string> {
    const cached = this.cache.get(name);
    if (cached && this.nowMs() - cached.fetchedAtMs < this.cacheTtlMs) return Promise.resolve(cached.value);
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const fetching = this.fetch(name).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, fetching);
    return fetching;
  }

  private async fetch(name: SecretName): Promise<string> {
    const arn = this.options.arns[name];
    if (!arn) throw new ConfigurationError([`${name}: no Secrets Manager ARN configured`]);
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (SecretString === undefined || SecretString.length === 0) {
      throw new ConfigurationError([`${name}: the secret has no string value`]);
    }
    this.cache.set(name, { value: SecretString, fetchedAtMs: this.nowMs() });
    return SecretString;
  }
}
