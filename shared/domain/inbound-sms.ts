import * as z from 'zod';

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
