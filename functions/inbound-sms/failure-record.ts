import * as z from 'zod';
import { ValidationError } from '../../shared/domain/errors.js';
import { inboundSmsSchema, type InboundSms } from '../../shared/domain/inbound-sms.js';
import { parseJsonText, zodIssuePaths } from '../../shared/validation/parse-json.js';

/**
 * The record Lambda sends to an asynchronous invocation's on-failure destination (here the inbound SMS failure queue)
 * once it stopped retrying: `requestPayload` is the event the function was invoked with, the SNS notification of
 * the two-way topic. `responsePayload` (the last error's words) is deliberately not read: it stays in the queue for
 * admins and never reaches a log.
 */
const snsNotificationSchema = z.looseObject({
  Records: z
    .array(
      z.looseObject({
        EventSource: z.literal('aws:sns'),
        Sns: z.looseObject({ MessageId: z.string().min(1), Message: z.string() }),
      }),
    )
    .min(1),
});

export const lambdaFailureRecordSchema = z.looseObject({
  version: z.string().min(1),
  timestamp: z.string().min(1),
  requestContext: z.looseObject({
    requestId: z.string().min(1),
    functionArn: z.string().min(1),
    /** RetriesExhausted, EventAgeExceeded… */
    condition: z.string().min(1),
    approximateInvokeCount: z.number().int().min(0),
  }),
  requestPayload: snsNotificationSchema,
  responseContext: z.looseObject({ functionError: z.string().optional() }).optional(),
});

export interface InboundSmsFailureRecord {
  /** The request id of the failed invocation (Lambda's, not a message id). */
  requestId: string;
  condition: string;
  approximateInvokeCount: number;
  /** The inbound SMS of the failed invocation (SNS delivers one per invocation; every one is kept). */
  messages: InboundSms[];
}

/**
 * Parses the SQS body holding an invocation record. Anything that is not a record of a failed inbound SMS throws a
 * ValidationError naming the paths (never the values: the body holds phone numbers and texts), so the SQS record is
 * retried and then parked in the failure queue's DLQ, where an admin can read it.
 */
export function parseInboundSmsFailureRecord(body: string): InboundSmsFailureRecord {
  const record = lambdaFailureRecordSchema.safeParse(parseJsonText(body, 'invocation record'));
  if (!record.success) throw invalid('not a Lambda invocation record of an SNS event', record.error);
  const messages = record.data.requestPayload.Records.map((snsRecord, index) => {
    const message = inboundSmsSchema.safeParse(
      parseJsonText(snsRecord.Sns.Message, `requestPayload.Records.${index}.Sns.Message`),
    );
    if (!message.success)
      throw invalid(`requestPayload.Records.${index}.Sns.Message is not an inbound SMS`, message.error);
    return message.data;
  });
  const { requestId, condition, approximateInvokeCount } = record.data.requestContext;
  return { requestId, condition, approximateInvokeCount, messages };
}

function invalid(message: string, error: z.ZodError): ValidationError {
  return new ValidationError(message, zodIssuePaths(error));
}
