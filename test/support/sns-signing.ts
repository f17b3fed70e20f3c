import { createSign } from 'node:crypto';
import { generate } from 'selfsigned';

/**
 * Signs SNS HTTPS messages as SNS does, with a throwaway RSA key and self-signed certificate, so tests can serve the
 * certificate through the verifier's injected fetcher. The canonical string is written out here from AWS's
 * documentation, independently of the product's code.
 */
export interface SnsSigner {
  certificatePem: string;
  sign(message: Record<string, string>, version: '1' | '2'): string;
}

export async function createSnsSigner(options: { notBeforeDate?: Date; notAfterDate?: Date } = {}): Promise<SnsSigner> {
  const pems = await generate([{ name: 'commonName', value: 'sns.amazonaws.com' }], {
    keySize: 2048,
    algorithm: 'sha256',
    // Valid from yesterday, so a test clock taken a moment before the key was made is inside the validity period.
    notBeforeDate: options.notBeforeDate ?? new Date(Date.now() - 86_400_000),
    notAfterDate: options.notAfterDate ?? new Date(Date.now() + 365 * 86_400_000),
  });
  return {
    certificatePem: pems.cert,
    sign(message, version) {
      const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
      signer.update(documentedCanonicalString(message), 'utf8');
      return signer.sign(pems.private, 'base64');
    },
  };
}

/**
 * From "Verifying the signatures of Amazon SNS messages": Notification signs Message, MessageId, Subject (only if
 * present), Timestamp, TopicArn, Type; SubscriptionConfirmation and UnsubscribeConfirmation sign Message, MessageId,
 * SubscribeURL, Timestamp, Token, TopicArn, Type. Each as "Key\nValue\n", in that order.
 */
function documentedCanonicalString(message: Record<string, string>): string {
  let text = `Message\n${message.Message}\nMessageId\n${message.MessageId}\n`;
  if (message.Type === 'Notification') {
    if (message.Subject !== undefined) text += `Subject\n${message.Subject}\n`;
    text += `Timestamp\n${message.Timestamp}\nTopicArn\n${message.TopicArn}\nType\n${message.Type}\n`;
  } else {
    text += `SubscribeURL\n${message.SubscribeURL}\nTimestamp\n${message.Timestamp}\nToken\n${message.Token}\nTopicArn\n${message.TopicArn}\nType\n${message.Type}\n`;
  }
  return text;
}

/** A signed message: the fields given, SignatureVersion, SigningCertURL and Signature. */
export function signedSnsMessage(
  signer: SnsSigner,
  fields: Record<string, string>,
  options: { version?: '1' | '2'; certUrl: string },
): Record<string, string> {
  const version = options.version ?? '2';
  return {
    ...fields,
    SignatureVersion: version,
    SigningCertURL: options.certUrl,
    Signature: signer.sign(fields, version),
  };
}
