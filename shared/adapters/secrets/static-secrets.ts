import { ConfigurationError } from '../../config/env.js';
import type { SecretName, Secrets } from '../../ports/secrets.js';

/** Secrets given at construction (the local runtime reads them from its config); for development only. */
export class StaticSecrets implements Secrets {
  private readonly values: ReadonlyMap<SecretName, string>;

  constructor(values: Partial<Record<SecretName, string>>) {
    this.values = new Map(
      Object.entries(values).filter((entry): entry is [SecretName, string] => typeof entry[1] === 'string'),
    );
  }

  async get(name: SecretName): Promise<string> {
    const value = this.values.get(name);
    if (value === undefined || value.length === 0) throw new ConfigurationError([`${name}: no value configured`]);
    return value;
  }
}
