import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Logger } from '../../../shared/ports/logger.js';
import { parseInboundSms, type InboundSms } from '../../../shared/domain/inbound-sms.js';
import { jsonResponse } from '../../../shared/http/responses.js';
import { SnsMessageVerifier, type HttpsGet } from '../../../shared/adapters/sns/message-verifier.js';
import type { Clock } from '../../../shared/ports/clock.js';
import { INBOUND_DEDUPE_SECONDS } from '../../../shared/use-cases/inbound-sms/index.js';
import type { ApiRoute } from '../handler.js';
import { bodyText, header } from './json-body.js';

export interface SnsRouteDependencies {
  verifier: Pick<SnsMessageVerifier, 'verify'>;
  /** GET of a verified SubscribeURL (the same HTTPS fetcher as for certificates). */
  fetchText: HttpsGet;
  /** The inbound SMS use case, the same as the inbound-sms function's. */
  handleInboundSms: (message: InboundSms) => Promise<unknown>;
  logger: Logger;
}

/** Messages older than this are refused: a day less than the inbound message ids are remembered, so a replay always meets its id. */
export const SNS_MESSAGE_MAX_AGE_SECONDS = INBOUND_DEDUPE_SECONDS - 86_400;

/** The route as the compositions add it: none at all when SNS_HTTPS_TOPIC_ARNS is unset. */
export function snsHttpsRoutes(options: {
  topicArns: readonly string[] | undefined;
  fetchText: HttpsGet;
  clock: Clock;
  handleInboundSms: SnsRouteDependencies['handleInboundSms'];
  logger: SnsRouteDependencies['logger'];
}): ApiRoute[] {
  if (!options.topicArns || options.topicArns.length === 0) return [];
  const verifier = new SnsMessageVerifier({
    topicArns: options.topicArns,
    fetchText: options.fetchText,
    clock: options.clock,
    maxAgeSeconds: SNS_MESSAGE_MAX_AGE_SECONDS,
  });
  return snsRoutes({
    verifier,
    fetchText: options.fetchText,
    handleInboundSms: options.handleInboundSms,
    logger: options.logger,
  });
}

const refused = (status: 400 | 403, code: string, message: string) =>
  jsonResponse(status, { error: { code, message } });

/**
 * `POST /sns/inbound-sms`: SNS deliveries over HTTPS (docs/design/reset.md). Registered only when SNS_HTTPS_TOPIC_ARNS
 * is set (else the route is unknown: 404). Every message is verified before anything else; a refusal is a 4xx, which
 * SNS does not retry. A failure of the use case is a 5xx, which SNS retries.
 */
export function snsRoutes(deps: SnsRouteDependencies): ApiRoute[] {
  return [
    {
      method: 'POST',
      path: '/sns/inbound-sms',
      handler: async (event: APIGatewayProxyEvent) => {
        let body: unknown;
        try {
          body = JSON.parse(bodyText(event));
        } catch {
          return refused(400, 'VALIDATION_FAILED', 'The body must be an SNS message in JSON.');
        }
        const verification = await deps.verifier.verify(body);
        if (!verification.ok) {
          deps.logger.warn('SNS message refused', { reason: verification.reason });
          return verification.reason === 'malformed'
            ? refused(400, 'VALIDATION_FAILED', 'The body must be an SNS message in JSON.')
            : refused(403, 'SIGNATURE_INVALID', 'The SNS message could not be verified.');
        }
        const { message } = verification;
        const declaredType = header(event, 'x-amz-sns-message-type');
        if (declaredType !== undefined && declaredType !== message.Type) {
          return refused(400, 'VALIDATION_FAILED', 'x-amz-sns-message-type does not match the message.');
        }
        switch (message.Type) {
          case 'SubscriptionConfirmation':
            await deps.fetchText(message.SubscribeURL);
            deps.logger.info('SNS subscription confirmed', { snsMessageId: message.MessageId });
            return jsonResponse(200, { confirmed: true });
          case 'UnsubscribeConfirmation':
            deps.logger.info('SNS unsubscribe confirmation ignored', { snsMessageId: message.MessageId });
            return jsonResponse(200, {});
          case 'Notification': {
            const inbound = parseInboundSms(message.Message);
            if (!inbound) {
              // Signed by SNS but not an inbound SMS: a retry would carry the same bytes. Logged by id, never by text.
              deps.logger.warn('malformed inbound SMS ignored', { snsMessageId: message.MessageId });
              return refused(400, 'VALIDATION_FAILED', 'The notification is not an inbound SMS.');
            }
            await deps.handleInboundSms(inbound);
            return jsonResponse(200, {});
          }
        }
      },
    },
  ];
}
