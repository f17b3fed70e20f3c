// oidc-provider's storage for the local identity provider: sessions, grants and codes in this process's memory, gone
// when it stops, as everything in the local runtime is. oidc-provider's built-in memory store does the same but warns
// at every start that it is for development; this one says what it is instead.
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Stored {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

const models = new Map<string, Map<string, Stored>>();

export class InMemoryAdapter implements Adapter {
  private readonly items: Map<string, Stored>;

  constructor(name: string) {
    const existing = models.get(name);
    this.items = existing ?? new Map();
    if (!existing) models.set(name, this.items);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    this.items.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = this.items.get(id);
    if (!stored) return undefined;
    if (stored.expiresAt !== undefined && stored.expiresAt <= Date.now()) {
      this.items.delete(id);
      return undefined;
    }
    return stored.payload;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.userCode === userCode);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere((payload) => payload.uid === uid);
  }

  async consume(id: string): Promise<void> {
    const stored = this.items.get(id);
    if (stored) stored.payload = { ...stored.payload, consumed: Math.floor(Date.now() / 1000) };
  }

  async destroy(id: string): Promise<void> {
    this.items.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const store of models.values()) {
      for (const [id, stored] of store) if (stored.payload.grantId === grantId) store.delete(id);
    }
  }

  private async findWhere(matches: (payload: AdapterPayload) => boolean): Promise<AdapterPayload | undefined> {
    for (const [id] of this.items) {
      const payload = await this.find(id);
      if (payload && matches(payload)) return payload;
    }
    return undefined;
  }
}
