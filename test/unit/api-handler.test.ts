import { createApiHandler } from '../../functions/api/handler.js';
import { testObservability } from '../support/observability.js';
import { apiEvent } from '../support/api-event.js';
import { lambdaContext } from '../support/lambda-context.js';
import { captureLogsOfEachTest, captureLogs } from '../support/capture-logs.js';

describe('API handler', () => {
  captureLogsOfEachTest();

  const handler = () => createApiHandler({ observability: testObservability(), version: '1.2.3' });

  it('answers the health route without touching any dependency', async () => {
    const response = await handler()(apiEvent('GET', '/health'), lambdaContext());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  });

  it('reports the deployed version', async () => {
    const response = await handler()(apiEvent('GET', '/version'), lambdaContext());
    expect(JSON.parse(response.body)).toEqual({ name: 'blink', version: '1.2.3' });
  });

  it('answers unknown routes and methods with a JSON 404, not a stack trace', async () => {
    for (const event of [apiEvent('GET', '/nope'), apiEvent('DELETE', '/health')]) {
      const response = await handler()(event, lambdaContext());
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route.' } });
    }
  });

  it('tells browsers to use HTTPS only (HSTS, two years, subdomains too) on answers and errors alike', async () => {
    const failing = createApiHandler({
      observability: testObservability(),
      version: '1',
      routes: [
        {
          method: 'GET',
          path: '/boom',
          handler: async () => {
            throw new Error('internal detail');
          },
        },
      ],
    });
    const answers = [
      await handler()(apiEvent('GET', '/health'), lambdaContext()),
      await handler()(apiEvent('GET', '/nope'), lambdaContext()),
      await failing(apiEvent('GET', '/boom'), lambdaContext()),
    ];
    expect(answers.map((response) => response.statusCode)).toEqual([200, 404, 500]);
    for (const response of answers) {
      expect(response.headers).toMatchObject({ 'strict-transport-security': 'max-age=63072000; includeSubDomains' });
    }
  });
});

describe('API handler metrics', () => {
  it('publishes a request count, so no invocation ends with an empty metrics warning', async () => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    const logs = captureLogs();
    try {
      const handler = createApiHandler({
        observability: testObservability(),
        version: '1',
      });
      await handler(apiEvent('GET', '/health'), lambdaContext());
    } finally {
      logs.restore();
      process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    }
    expect(logs.text()).not.toContain('No application metrics to publish');
    const emf = logs.lines().find((line) => '_aws' in line);
    expect(emf).toMatchObject({ ApiRequests: 1 });
  });
});
