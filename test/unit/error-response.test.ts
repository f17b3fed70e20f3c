import { errorResponse } from '../../shared/http/responses.js';
import { RateLimitedError, ValidationError, PasswordRejectedError } from '../../shared/domain/errors.js';

describe('errorResponse', () => {
  it('maps a validation error to 400 with its issues', () => {
    const response = errorResponse(new ValidationError('Mobile number is not valid.', ['phone']));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'Mobile number is not valid.', issues: ['phone'] },
    });
  });

  it('maps rate limiting to 429 with Retry-After', () => {
    const response = errorResponse(new RateLimitedError('Too many attempts.', 42));
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('42');
  });

  it('hides internal failures and domain errors that are not meant for clients behind a generic 500', () => {
    for (const error of [
      new Error('ECONNREFUSED 10.0.0.5:636 secret=hunter2'),
      new PasswordRejectedError('0000052D'),
    ]) {
      const response = errorResponse(error);
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toMatch(/ECONNREFUSED|hunter2|0000052D|at /);
    }
  });
});
