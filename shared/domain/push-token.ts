import * as z from 'zod';

/** Platforms that have a push service: iOS through APNs, Android through Firebase Cloud Messaging. */
export type PushPlatform = 'ios' | 'android';

/**
 * What a push token looks like, per platform, so that nothing else (an ARN, a URL, a huge string) is ever handed to
 * SNS: an APNs device token is 32 bytes in hex (64 characters); an FCM registration token is about 140–200 characters
 * of [A-Za-z0-9_:-] (allowed here: 100–512). Other platforms have no push service, so they send no token.
 */
export const pushTokenSchemas: Readonly<Record<PushPlatform, z.ZodType<string>>> = {
  ios: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be an APNs device token (64 hexadecimal characters)')
    .transform((token) => token.toLowerCase()),
  android: z
    .string()
    .regex(
      /^[A-Za-z0-9_:-]{100,512}$/,
      'must be an FCM registration token (100 to 512 characters of A-Z, a-z, 0-9, _, : and -)',
    ),
};

export const isPushPlatform = (platform: string): platform is PushPlatform => platform in pushTokenSchemas;

/** SNS mobile push endpoints (APNs, APNs sandbox, FCM): the only push targets Blink publishes to. */
export const SNS_PUSH_ENDPOINT_ARN =
  /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:endpoint\/(APNS|APNS_SANDBOX|GCM)\/[A-Za-z0-9_.-]{1,256}\/[0-9a-f-]{1,64}$/;
