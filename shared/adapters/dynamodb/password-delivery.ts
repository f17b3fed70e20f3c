import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CompactEncrypt, importJWK } from 'jose';
import { passwordEncryptionKeyOf } from '../../domain/device.js';
import { NotFoundError } from '../../domain/errors.js';
import type { DeviceStore } from '../../ports/device-store.js';
import type { AppRequestRecipient, PasswordDelivery } from '../../ports/password-delivery.js';
import { DynamoAppResults } from './app-results.js';

/** The JWE algorithms (docs/design/reset.md): ECDH-ES key agreement on P-256 wrapping an AES-256-GCM content key. */
export const passwordJwe = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' } as const;

/**
 * Protected-header parameter naming the request the password answers. The header is authenticated with the
 * ciphertext, so a client can check that a JWE was made for its own request (and its own key: `kid` is the device id).
 */
export const JWE_REQUEST_HEADER = 'blink_request';

/**
 * The app results plus the one operation only the directory worker performs: encrypting a new password to the
 * device. Kept apart from DynamoAppResults so the api function, which only opens and reads results, does not carry
 * the JOSE library.
 */
export class DynamoPasswordDelivery extends DynamoAppResults implements PasswordDelivery {
  constructor(
    client: DynamoDBDocumentClient,
    /** The device store gives the public key a password is encrypted to. */
    private readonly delivery: { tableName: string; deviceStore: DeviceStore },
  ) {
    super(client, { tableName: delivery.tableName });
  }

  /**
   * Encrypts to the device's encryption key (v2) or its single key (v1) and stores only the compact JWE. The device must exist, belong to
   * the recipient's user and not be revoked. Replaces an earlier answer that was not taken yet (a retried job's newer
   * password wins); throws NotFoundError when the request was never opened or its answer was taken already.
   */
  async deliverPassword(recipient: AppRequestRecipient, password: string, expiresAt: Date): Promise<void> {
    const device = await this.delivery.deviceStore.get(recipient.deviceId);
    if (!device || device.userGuid !== recipient.userGuid || device.revokedAt) {
      throw new NotFoundError('No active device to deliver the password to.');
    }
    const key = await importJWK({ ...passwordEncryptionKeyOf(device) }, passwordJwe.alg);
    const jwe = await new CompactEncrypt(new TextEncoder().encode(password))
      .setProtectedHeader({ ...passwordJwe, kid: device.deviceId, [JWE_REQUEST_HEADER]: recipient.jobId })
      .encrypt(key);
    await this.answer(recipient, { state: 'password-ready', jwe }, expiresAt);
  }
}
