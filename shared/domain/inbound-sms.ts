import * as z from 'zod';
import { parseJson } from '../validation/parse-json.js';

/**
 * One inbound SMS as End User Messaging publishes it to the two-way SNS topic (the SNS message is this JSON as a
 * string). `originationNumber` is the user's phone: a possession signal, not proof of identity.
 */
export const inboundSmsSchema = z.object({
  originationNumber: z.string().regex(/^\+[1-9]\d{6,14}$/),
  destinationNumber: z.string().min(1),
  messageKeyword: z.string().optional(),
  messageBody: z.string().max(1600),
  inboundMessageId: z.string().min(1),
  previousPublishedMessageId: z.string().optional(),
});

export type InboundSms = z.infer<typeof inboundSmsSchema>;

/** An SNS message's text as an inbound SMS, or undefined when it is not one (SNS would only redeliver the same bytes). */
export function parseInboundSms(raw: string): InboundSms | undefined {
  try {
    return parseJson(inboundSmsSchema, raw, 'inbound SMS');
  } catch {
    return undefined;
  }
}
