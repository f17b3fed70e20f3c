import { CfnOutput, Stack, Validations, type RemovalPolicy, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Secret, type SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { rotatingKey } from '../constructs/rotating-key.js';

/** The phone-number lookup index (gsi1pk = phone, gsi1sk = enrollment). */
export const GSI1 = 'gsi1';

export interface DataStackProps extends StackProps {
  removalPolicy: RemovalPolicy;
}

/**
 * State that outlives deployments: the single table, the secrets, and the customer-managed keys that encrypt them.
 * Kept apart from the stateless stacks so those can be replaced freely; RETAIN by default (`-c removalPolicy=destroy`
 * for demos).
 */
export class DataStack extends Stack {
  readonly table: Table;
  readonly tokenHmacSecret: Secret;
  readonly directoryBindSecret: Secret;
  readonly vapidSecret: Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { removalPolicy } = props;

    const tableKey = rotatingKey(
      this,
      'TableKey',
      'encrypts the DynamoDB table (enrollments, issued secrets as HMACs, rate limits, audit)',
      removalPolicy,
    );
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: tableKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // TTL only tidies up: expiry is always checked in code, because TTL deletes up to days late.
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: removalPolicy === 'retain',
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1,
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
    });

    const secretsKey = rotatingKey(
      this,
      'SecretsKey',
      'encrypts the token HMAC key, the directory bind credential and the VAPID key pair',
      removalPolicy,
    );
    /** A secret under secretsKey that Secrets Manager does not rotate; `whyNotRotated` acknowledges cdk-nag's SMG4. */
    const secretRotatedByHand = (
      id: string,
      props: Omit<SecretProps, 'encryptionKey' | 'removalPolicy'>,
      whyNotRotated: string,
    ) => {
      const secret = new Secret(this, id, { ...props, encryptionKey: secretsKey, removalPolicy });
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: whyNotRotated });
      return secret;
    };
    this.tokenHmacSecret = secretRotatedByHand(
      'TokenHmacSecret',
      {
        description: 'Blink: HMAC key for activation links, SMS codes and binding codes (only keyed hashes are stored)',
        // 64 characters from [A-Za-z0-9]: about 380 bits from Secrets Manager's CSPRNG.
        generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      },
      'Rotating the token HMAC key would invalidate every outstanding activation link and code (valid up to 72 h); it is rotated by hand in a maintenance window with `aws secretsmanager rotate-secret` once a dual-key check exists',
    );

    this.directoryBindSecret = secretRotatedByHand(
      'DirectoryBindSecret',
      {
        description:
          'Blink: password of the AD service account (ldapBindDn). Generated placeholder: the directory team sets the real value with put-secret-value',
        generateSecretString: { passwordLength: 32, includeSpace: false },
      },
      'The bind password belongs to an AD service account that the directory team rotates in AD and then writes here; a Secrets Manager rotation Lambda would need domain-admin-like rights Blink must not hold',
    );

    // Secrets Manager cannot generate an EC key pair: a placeholder until the command below stores a real one (until
    // then GET /api/device/push-config answers 500 and lockout alerts go by SMS and mobile push only).
    this.vapidSecret = secretRotatedByHand(
      'VapidSecret',
      {
        description:
          'Blink: VAPID key pair of Web Push to the installed app, JSON {"publicKey","privateKey"} (base64url P-256)',
        generateSecretString: { passwordLength: 32, includeSpace: false },
      },
      'Every browser subscription is bound to the VAPID public key it was made with: a new key pair invalidates all of them until each app subscribes again, so it is replaced by hand (VapidSecretSetCommand), not on a schedule',
    );

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'VapidSecretSetCommand', {
      description:
        'Run once after the first deploy to store a VAPID key pair for Web Push (again only to replace it: apps then subscribe anew)',
      value: `npx web-push generate-vapid-keys --json | aws secretsmanager put-secret-value --secret-id ${this.vapidSecret.secretArn} --secret-string file:///dev/stdin`,
    });
    new CfnOutput(this, 'DirectoryBindSecretSetCommand', {
      description:
        'Run once after the first deploy (and after each AD password change) to store the real bind password',
      value: `aws secretsmanager put-secret-value --secret-id ${this.directoryBindSecret.secretArn} --secret-string "$BLINK_BIND_PASSWORD"`,
    });
  }
}
