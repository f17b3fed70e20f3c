/** Wording of the replies to inbound SMS (docs/design/reset.md). None of them holds anything but the code we issue. */
export interface ReplySettings {
  productName: string;
  supportContact: string;
}

export type AccountRequestKind = 'reset' | 'unlock';

export function unknownSenderSms({ productName, supportContact }: ReplySettings): string {
  return `${productName}: this number is not set up for password resets. Contact ${supportContact}.`;
}

export function helpSms({ productName }: ReplySettings): string {
  return `${productName}: text RESET for a new Windows password or UNLOCK to unlock your account. Msg&data rates may apply. Text STOP to opt out.`;
}

/** Said once a day when a number reached HELP_REPLIES_PER_DAY: commands still work, other texts get no answer. */
export function helpLimitSms({ productName }: ReplySettings): string {
  return `${productName}: no more replies to other messages today. RESET and UNLOCK still work. Text STOP to opt out.`;
}

export function optedInSms({ productName }: ReplySettings): string {
  return `You will receive messages from ${productName} again.`;
}

export function tooManyRequestsSms({ productName }: ReplySettings, retryAfterSeconds: number): string {
  return `${productName}: too many requests for this account. Try again ${waitWording(retryAfterSeconds)}.`;
}

export function confirmationCodeSms({ productName }: ReplySettings, kind: AccountRequestKind, code: string): string {
  const what = kind === 'reset' ? 'your password reset' : 'the unlock of your account';
  return `${productName}: reply with ${code} within 5 minutes to confirm ${what}.`;
}

export function wrongConfirmationCodeSms({ productName }: ReplySettings): string {
  return `${productName}: that code is not right or has expired. Text RESET or UNLOCK to get a new one.`;
}

/** "in 1 minute", "in 42 minutes", "in 3 hours": rounded up, so the user never retries too early. */
export function waitWording(seconds: number): string {
  if (seconds <= 60) return 'in 1 minute';
  if (seconds < 3600) return `in ${Math.ceil(seconds / 60)} minutes`;
  const hours = Math.ceil(seconds / 3600);
  return hours === 1 ? 'in 1 hour' : `in ${hours} hours`;
}

/** Sent once when Blink gave up on an inbound message (its handling kept failing): the user is not left waiting. */
export function inboundFailedSms({ productName }: ReplySettings): string {
  return `${productName}: we could not act on your message. Nothing was changed. Please text RESET again in a few minutes.`;
}
