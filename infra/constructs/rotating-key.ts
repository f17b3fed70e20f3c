import type { RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** A customer-managed KMS key of Blink's: rotated yearly by KMS, kept or destroyed with the data it encrypts. */
export function rotatingKey(scope: Construct, id: string, description: string, removalPolicy: RemovalPolicy): Key {
  return new Key(scope, id, { description: `Blink: ${description}`, enableKeyRotation: true, removalPolicy });
}
