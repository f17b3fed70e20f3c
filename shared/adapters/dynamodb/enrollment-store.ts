import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Enrollment } from '../../domain/enrollment.js';
import { ConcurrentUpdateError } from '../../domain/errors.js';
import type { IssuedSecret, SecretPurpose } from '../../domain/issued-secret.js';
import type { EnrollmentStore } from '../../ports/enrollment-store.js';
import { definedAttributes, isConditionFailure, validUntil } from './table.js';
import { allWritten, BlinkTableAdapter } from './table-adapter.js';
import { DynamoReportCounters } from './report-counters.js';
import { coverageStateOf } from '../../domain/reports.js';
import { DynamoUserSearchIndex } from './user-search-index.js';
import { DynamoUserRowFacts } from './user-row-facts.js';

/*
 * Item layout (single table, see table.ts):
 *   enrollment      pk USER#<guid>                  sk ENROLLMENT          gsi1pk PHONE#<e164> gsi1sk USER#<guid>
 *                                                                          (gsi1 keys only while active with a phone)
 *   issued secret   pk SECRET#<purpose>#<hash>      sk SECRET              expiresAt (TTL)
 *   live secrets    pk USER#<guid>                  sk SECRETS#<purpose>   liveHashes (string set)
 *
 * A secret is consumed with one conditional UpdateItem on its own item, so two concurrent consumers cannot both win.
 * "Superseded" is therefore recorded on the old secret item itself (supersededAt) when a new secret of the same
 * purpose is issued; the per-user `SECRETS#<purpose>` item lists the hashes not yet superseded, so an issue that
 * failed half-way is completed by the next one.
 */

const isoDate = z.iso.datetime().transform((value) => new Date(value));

const enrollmentItemSchema = z.object({
  userGuid: z.string(),
  dn: z.string(),
  samAccountName: z.string(),
  displayName: z.string(),
  userPrincipalName: z.string().optional(),
  mail: z.string(),
  status: z.enum(['activated', 'active', 'revoked']),
  phoneE164: z.string().optional(),
  pendingPhoneE164: z.string().optional(),
  senderNumber: z.string().optional(),
  // Records written before these fields existed read as a fresh enrollment.
  methods: z.object({ sms: z.boolean(), app: z.boolean() }).default({ sms: false, app: false }),
  expiryReminders: z.object({ sms: z.boolean().optional(), push: z.boolean().optional() }).optional(),
  verificationFailures: z.number().int().nonnegative().default(0),
  verificationLockedUntil: isoDate.optional(),
  activatedAt: isoDate.optional(),
  activationHash: z.string().optional(),
  createdAt: isoDate,
  updatedAt: isoDate,
  version: z.number().int().nonnegative(),
});

const secretItemSchema = z.object({
  purpose: z.enum(['activation', 'sms-code', 'binding', 'reset-confirmation', 'webauthn-challenge']),
  hash: z.string(),
  userGuid: z.string(),
  issuedAt: isoDate,
  validUntil: isoDate,
  usedAt: isoDate.optional(),
  supersededAt: isoDate.optional(),
  activationHash: z.string().optional(),
  phoneE164: z.string().optional(),
});

const liveHashesSchema = z.object({ liveHashes: z.set(z.string()).optional() });

export const enrollmentKeys = {
  user: (userGuid: string) => ({ pk: `USER#${userGuid}`, sk: 'ENROLLMENT' }),
  phone: (phoneE164: string) => `PHONE#${phoneE164}`,
  secret: (purpose: SecretPurpose, hash: string) => ({ pk: `SECRET#${purpose}#${hash}`, sk: 'SECRET' }),
  liveSecrets: (userGuid: string, purpose: SecretPurpose) => ({ pk: `USER#${userGuid}`, sk: `SECRETS#${purpose}` }),
};

export interface DynamoEnrollmentStoreOptions {
  tableName: string;
  /** Clock for the supersededAt stamp; consumeSecret takes its own `now`. */
  now?: () => Date;
}

export class DynamoEnrollmentStore extends BlinkTableAdapter<DynamoEnrollmentStoreOptions> implements EnrollmentStore {
  private readonly now: () => Date;
  private readonly searchIndex: DynamoUserSearchIndex;
  private readonly rowFacts: DynamoUserRowFacts;
  private readonly reportCounters: DynamoReportCounters;

  constructor(client: DynamoDBDocumentClient, options: DynamoEnrollmentStoreOptions) {
    super(client, options);
    this.now = options.now ?? (() => new Date());
    this.searchIndex = new DynamoUserSearchIndex(client, { tableName: options.tableName });
    this.rowFacts = new DynamoUserRowFacts(client, { tableName: options.tableName });
    this.reportCounters = new DynamoReportCounters(client, { tableName: options.tableName });
  }

  async get(userGuid: string): Promise<Enrollment | undefined> {
    const item = await this.getItem(enrollmentKeys.user(userGuid));
    return item ? toEnrollment(item) : undefined;
  }

  async findByPhone(phoneE164: string): Promise<Enrollment[]> {
    const items = await this.itemsInGsi1Partition(enrollmentKeys.phone(phoneE164));
    // The index is eventually consistent: keep only what still matches.
    return items
      .map(toEnrollment)
      .filter((enrollment) => enrollment.status === 'active' && enrollment.phoneE164 === phoneE164);
  }

  async save(enrollment: Enrollment, expectedVersion: number): Promise<void> {
    const key = enrollmentKeys.user(enrollment.userGuid);
    const indexed = enrollment.status === 'active' && enrollment.phoneE164 !== undefined;
    const item = {
      ...key,
      kind: 'enrollment',
      userGuid: enrollment.userGuid,
      dn: enrollment.dn,
      samAccountName: enrollment.samAccountName,
      displayName: enrollment.displayName,
      userPrincipalName: enrollment.userPrincipalName,
      mail: enrollment.mail,
      status: enrollment.status,
      phoneE164: enrollment.phoneE164,
      pendingPhoneE164: enrollment.pendingPhoneE164,
      senderNumber: enrollment.senderNumber,
      methods: { sms: enrollment.methods.sms, app: enrollment.methods.app },
      expiryReminders: enrollment.expiryReminders,
      verificationFailures: enrollment.verificationFailures,
      verificationLockedUntil: enrollment.verificationLockedUntil?.toISOString(),
      activatedAt: enrollment.activatedAt.toISOString(),
      activationHash: enrollment.activationHash,
      createdAt: enrollment.createdAt.toISOString(),
      updatedAt: enrollment.updatedAt.toISOString(),
      version: expectedVersion + 1,
      ...(indexed ? { gsi1pk: enrollmentKeys.phone(enrollment.phoneE164 ?? ''), gsi1sk: key.pk } : {}),
    };
    try {
      await this.putItem(
        definedAttributes(item),
        expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } },
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConcurrentUpdateError(
          `Enrollment ${enrollment.userGuid} was changed concurrently (expected version ${expectedVersion})`,
        );
      }
      throw error;
    }
    // Only a save that held its condition reaches the admin portal's items, which follow it together (each its own
    // items, none waiting for another): the search entries and the coverage report follow every save, and a failure
    // there is healed by the user's next save; a new enrollment has no devices, resets or lockouts yet, so its Users
    // row facts are known from here on.
    await allWritten([
      this.searchIndex.index(enrollment),
      ...(expectedVersion === 0 ? [this.rowFacts.startTracking(enrollment.userGuid)] : []),
      this.reportCounters.trackCoverage(enrollment.userGuid, coverageStateOf(enrollment), enrollment.updatedAt),
    ]);
  }

  async putSecret(secret: IssuedSecret): Promise<void> {
    const live = enrollmentKeys.liveSecrets(secret.userGuid, secret.purpose);
    // 1. Register the new hash first, so that whatever happens next, a later issue will supersede it.
    const registered = await this.updateItem(live, {
      UpdateExpression: 'ADD liveHashes :new SET kind = :kind',
      ExpressionAttributeValues: { ':new': new Set([secret.hash]), ':kind': 'live-secrets' },
      ReturnValues: 'ALL_NEW',
    });
    // 2. Store the secret itself.
    await this.putItem(
      definedAttributes({
        ...enrollmentKeys.secret(secret.purpose, secret.hash),
        kind: 'secret',
        purpose: secret.purpose,
        hash: secret.hash,
        userGuid: secret.userGuid,
        issuedAt: secret.issuedAt.toISOString(),
        usedAt: secret.usedAt?.toISOString(),
        activationHash: secret.activationHash,
        phoneE164: secret.phoneE164,
        ...validUntil(secret.expiresAt),
      }),
      { ConditionExpression: 'attribute_not_exists(pk)' },
    );
    // 3. Supersede every earlier secret of this purpose for this user, then forget them.
    const earlier = [...(liveHashesSchema.parse(registered.Attributes ?? {}).liveHashes ?? [])].filter(
      (hash) => hash !== secret.hash,
    );
    if (earlier.length === 0) return;
    const supersededAt = this.now().toISOString();
    await Promise.all(earlier.map((hash) => this.markSuperseded(secret.purpose, hash, supersededAt)));
    await this.updateItem(live, {
      UpdateExpression: 'DELETE liveHashes :earlier',
      ExpressionAttributeValues: { ':earlier': new Set(earlier) },
    });
  }

  async findSecret(purpose: SecretPurpose, hash: string): Promise<IssuedSecret | undefined> {
    const item = await this.getItem(enrollmentKeys.secret(purpose, hash));
    if (!item) return undefined;
    const stored = secretItemSchema.parse(item);
    // A superseded secret was replaced: to callers it no longer exists.
    return stored.supersededAt ? undefined : toIssuedSecret(stored);
  }

  async consumeSecret(purpose: SecretPurpose, hash: string, now: Date): Promise<IssuedSecret | undefined> {
    try {
      const { Attributes } = await this.updateItem(enrollmentKeys.secret(purpose, hash), {
        UpdateExpression: 'SET usedAt = :now',
        // ISO-8601 UTC strings of one fixed format compare in time order.
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(usedAt) AND attribute_not_exists(supersededAt) AND validUntil > :now',
        ExpressionAttributeValues: { ':now': now.toISOString() },
        ReturnValues: 'ALL_NEW',
      });
      return toIssuedSecret(secretItemSchema.parse(Attributes));
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  private async markSuperseded(purpose: SecretPurpose, hash: string, supersededAt: string): Promise<void> {
    try {
      await this.updateItem(enrollmentKeys.secret(purpose, hash), {
        UpdateExpression: 'SET supersededAt = if_not_exists(supersededAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': supersededAt },
      });
    } catch (error) {
      // Already deleted by TTL, or never written by a failed issue: nothing left to supersede.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

export function toEnrollment(item: Record<string, unknown>): Enrollment {
  const stored = enrollmentItemSchema.parse(item);
  return {
    userGuid: stored.userGuid,
    dn: stored.dn,
    samAccountName: stored.samAccountName,
    displayName: stored.displayName,
    ...(stored.userPrincipalName !== undefined ? { userPrincipalName: stored.userPrincipalName } : {}),
    mail: stored.mail,
    status: stored.status,
    ...(stored.phoneE164 !== undefined ? { phoneE164: stored.phoneE164 } : {}),
    ...(stored.pendingPhoneE164 !== undefined ? { pendingPhoneE164: stored.pendingPhoneE164 } : {}),
    ...(stored.senderNumber !== undefined ? { senderNumber: stored.senderNumber } : {}),
    methods: stored.methods,
    ...(stored.expiryReminders ? { expiryReminders: stored.expiryReminders } : {}),
    verificationFailures: stored.verificationFailures,
    ...(stored.verificationLockedUntil ? { verificationLockedUntil: stored.verificationLockedUntil } : {}),
    activatedAt: stored.activatedAt ?? stored.createdAt,
    ...(stored.activationHash !== undefined ? { activationHash: stored.activationHash } : {}),
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    version: stored.version,
  };
}

function toIssuedSecret(stored: z.infer<typeof secretItemSchema>): IssuedSecret {
  return {
    purpose: stored.purpose,
    hash: stored.hash,
    userGuid: stored.userGuid,
    issuedAt: stored.issuedAt,
    expiresAt: stored.validUntil,
    ...(stored.usedAt ? { usedAt: stored.usedAt } : {}),
    ...(stored.activationHash !== undefined ? { activationHash: stored.activationHash } : {}),
    ...(stored.phoneE164 !== undefined ? { phoneE164: stored.phoneE164 } : {}),
  };
}
