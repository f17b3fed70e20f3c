import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod';
import { errorBody, jsonResponse } from '../../../shared/http/responses.js';
import { enrollmentLimits, type RequestFacts } from '../../../shared/use-cases/enrollment/index.js';
import type { SetupUseCases } from '../../../shared/use-cases/enrollment/index.js';
import type { ApiRoute } from '../handler.js';
import { parseJsonBody } from './json-body.js';

// Tokens are not checked for shape here: a malformed token gets the same neutral answer as any other unusable one.
const token = z.string().min(1).max(512);
const tokenBody = z.object({ token });
const phoneBody = z.object({ token, phone: z.string().min(1).max(40) });
/** `expiryRemindersBySms`: the user's choice of SMS password-expiry reminders, saved with the verified number. */
const verifyBody = z.object({ token, code: z.string().min(1).max(20), expiryRemindersBySms: z.boolean().optional() });

const linkInvalidBody = errorBody(
  'LINK_INVALID',
  'This setup link is not valid. Ask your IT team for a new activation email.',
);
const codeInvalidBody = errorBody(
  'CODE_INVALID',
  'That code is not right. Check the latest text message and try again.',
);
const linkInvalid = () => jsonResponse(404, linkInvalidBody);

/** The client IP from API Gateway's request context; never from a header the client can set. */
export function requestFacts(event: APIGatewayProxyEvent): RequestFacts {
  return { clientIp: event.requestContext.identity.sourceIp, requestId: event.requestContext.requestId };
}

/** The setup page's calls (docs/design/enrollment.md): parse, call the use case, map its answer. */
export function setupRoutes(setup: SetupUseCases): ApiRoute[] {
  return [
    {
      method: 'POST',
      path: '/api/setup/open',
      handler: async (event: APIGatewayProxyEvent) => {
        const result = await setup.open(parseJsonBody(event, tokenBody).token);
        if (!result.ok) return linkInvalid();
        if (result.state === 'complete')
          return jsonResponse(200, { displayName: result.displayName, state: result.state, methods: result.methods });
        return jsonResponse(200, {
          displayName: result.displayName,
          state: result.state,
          ...(result.phone ? { phone: result.phone } : {}),
        });
      },
    },
    {
      method: 'POST',
      path: '/api/setup/phone',
      handler: async (event: APIGatewayProxyEvent) => {
        const body = parseJsonBody(event, phoneBody);
        const result = await setup.submitPhone(body.token, body.phone, requestFacts(event));
        if (!result.ok) return linkInvalid();
        // The page counts the resend cooldown down from this instead of letting the person run into it.
        return jsonResponse(200, {
          state: result.state,
          phone: result.phone,
          resendAfterSeconds: enrollmentLimits.resendCooldownSeconds,
        });
      },
    },
    {
      method: 'POST',
      path: '/api/setup/verify',
      handler: async (event: APIGatewayProxyEvent) => {
        const body = parseJsonBody(event, verifyBody);
        const result = await setup.verify(body.token, body.code, requestFacts(event), {
          ...(body.expiryRemindersBySms !== undefined ? { expiryRemindersBySms: body.expiryRemindersBySms } : {}),
        });
        if (result.ok) return jsonResponse(200, { state: result.state, method: result.method });
        if (result.reason === 'code-invalid')
          return jsonResponse(400, { error: { ...codeInvalidBody.error, attemptsLeft: result.attemptsLeft } });
        return linkInvalid();
      },
    },
    {
      method: 'POST',
      path: '/api/setup/qr',
      handler: async (event: APIGatewayProxyEvent) => {
        const result = await setup.createQr(parseJsonBody(event, tokenBody).token, requestFacts(event));
        if (!result.ok) return linkInvalid();
        return jsonResponse(200, { uri: result.uri, qrSvg: result.qrSvg, expiresAt: result.expiresAt.toISOString() });
      },
    },
    {
      method: 'POST',
      path: '/api/setup/status',
      handler: async (event: APIGatewayProxyEvent) => {
        const result = await setup.status(parseJsonBody(event, tokenBody).token);
        if (!result.ok) return linkInvalid();
        return jsonResponse(200, { state: result.state, ...(result.method ? { method: result.method } : {}) });
      },
    },
  ];
}
