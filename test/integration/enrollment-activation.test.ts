import { randomUUID } from 'node:crypto';
import { DynamoAuditLog } from '../../shared/adapters/dynamodb/audit-log';
import { DynamoEnrollmentStore } from '../../shared/adapters/dynamodb/enrollment-store';
import { StaticSecrets } from '../../shared/adapters/secrets/static-secrets';
import { AlreadyEnrolledError, type Enrollment } from '../../shared/domain/enrollment';
import { hashSecret } from '../../shared/domain/one-time-secrets';
import { issueActivation, type ActivationDependencies } from '../../shared/use-cases/enrollment';
import { useBlinkTable } from '../support/local-service';
import { ManualClock } from '../support/manual-clock';
import { changeEnrollment } from '../support/enrollments';

const TABLE = 'blink-activation-test';
const KEY = 'test-hmac-key-0123456789abcdef';
let deps: ActivationDependencies;
let store: DynamoEnrollmentStore;
const clock = new ManualClock('2026-11-26T12:00:00.000Z');

const dynamo = useBlinkTable(TABLE);

beforeAll(() => {
  store = new DynamoEnrollmentStore(dynamo.client, { tableName: TABLE, now: () => clock.now() });
  deps = {
    enrollmentStore: store,
    secrets: new StaticSecrets({ 'token-hmac-key': KEY }),
    clock,
    auditLog: new DynamoAuditLog(dynamo.client, { tableName: TABLE }),
    settings: { publicBaseUrl: 'https://blink.corp.example.test', activationTtlHours: 72 },
  };
});

function user() {
  const userGuid = randomUUID();
  return {
    userGuid,
    dn: `CN=${userGuid},OU=Staff,DC=blink,DC=test`,
    samAccountName: 'ada',
    displayName: 'Ada Lovelace',
    mail: 'ada@blink.test',
  };
}

const tokenOf = (link: string) => new URL(link).hash.replace(/^#t=/, '');

describe('issueActivation', () => {
  it('creates an activated enrollment and a hashed activation secret; the link carries the token in the fragment', async () => {
    const target = user();
    const { link, expiresAt } = await issueActivation(deps, target);
    expect(link).toMatch(/^https:\/\/blink\.corp\.example\.test\/setup#t=[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toEqual(new Date('2026-11-29T12:00:00.000Z'));
    const enrollment = await store.get(target.userGuid);
    expect(enrollment).toMatchObject({
      status: 'activated',
      methods: { sms: false, app: false },
      verificationFailures: 0,
      mail: 'ada@blink.test',
    });
    const hash = hashSecret(KEY, 'activation', tokenOf(link));
    expect(enrollment?.activationHash).toBe(hash);
    expect(await store.findSecret('activation', hash)).toMatchObject({ userGuid: target.userGuid, expiresAt });
  });

  it('supersedes the earlier link when issued again', async () => {
    const target = user();
    const first = await issueActivation(deps, target);
    const second = await issueActivation(deps, target);
    expect(await store.findSecret('activation', hashSecret(KEY, 'activation', tokenOf(first.link)))).toBeUndefined();
    expect(await store.findSecret('activation', hashSecret(KEY, 'activation', tokenOf(second.link)))).toBeDefined();
  });

  /** A user activated, whose enrollment then changed to `changes` (set up, revoked…). */
  const activatedThen = async (changes: Partial<Enrollment>) => {
    const target = user();
    await issueActivation(deps, target);
    await changeEnrollment(store, target.userGuid, changes);
    return target;
  };

  it('refuses an active enrollment unless asked to reactivate, which keeps it active with its phone', async () => {
    const setUpBySms = { status: 'active', phoneE164: '+14155550123', methods: { sms: true, app: false } } as const;
    const target = await activatedThen(setUpBySms);
    await expect(issueActivation(deps, target)).rejects.toBeInstanceOf(AlreadyEnrolledError);
    const again = await issueActivation(deps, target, { reactivate: true });
    expect(again.link).toContain('/setup#t=');
    expect(await store.get(target.userGuid)).toMatchObject(setUpBySms);
  });

  it('turns a revoked enrollment into a fresh activated one without the old phone or methods', async () => {
    const target = await activatedThen({
      status: 'revoked',
      phoneE164: '+14155550123',
      methods: { sms: true, app: true },
    });
    await issueActivation(deps, target);
    const after = await store.get(target.userGuid);
    expect(after).toMatchObject({ status: 'activated', methods: { sms: false, app: false } });
    expect(after?.phoneE164).toBeUndefined();
  });
});
