import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { lambdaBundling } from '../../infra/bundling.js';
import { setupCss, setupHtml, setupJs } from '../../web/assets.generated.js';

// The page's assets reach the Lambda as strings inside the bundle. This bundles the api handler with the page routes
// exactly as CDK bundles the function (infra/bundling.ts), runs the bundle in a plain node process and asks it for the
// page: no esbuild loader, no file next to the bundle.

const root = resolve(__dirname, '..', '..');

describe('setup page in the Lambda bundle', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'blink-pages-bundle-'));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('is served by the bundled handler, byte for byte', async () => {
    const outfile = join(outDir, 'index.js');
    await build({
      ...lambdaBundling.esbuild,
      mainFields: [...lambdaBundling.esbuild.mainFields],
      external: [...lambdaBundling.esbuild.external],
      sourcemap: false,
      stdin: {
        resolveDir: root,
        sourcefile: 'pages-entry.ts',
        loader: 'ts',
        contents: `
          import { createApiHandler } from './functions/api/handler.js';
          import { pageRoutes } from './functions/api/routes/pages.js';
          import { createObservability } from './shared/observability/powertools.js';
          export const handler = createApiHandler({
            observability: createObservability({ serviceName: 'bundle-test', tracing: false }),
            version: '1',
            routes: pageRoutes(),
          });`,
      },
      outfile,
      logLevel: 'error',
    });

    const invoke = `
      const { handler } = require(${JSON.stringify(outfile)});
      const context = { functionName: 'api', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 };
      const get = (path) => handler({ httpMethod: 'GET', path, headers: {}, requestContext: { requestId: 'r' } }, context);
      (async () => {
        const answers = [];
        for (const path of ['/setup', '/assets/setup.js', '/assets/setup.css']) answers.push(await get(path));
        process.stdout.write(JSON.stringify(answers));
      })();
    `;
    const run = spawnSync(process.execPath, ['-e', invoke], {
      env: {
        PATH: process.env.PATH ?? '',
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_TRACE_ENABLED: 'false',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        AWS_REGION: 'us-east-1',
      },
      encoding: 'utf8',
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const [page, script, style] = JSON.parse(run.stdout) as Array<{
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    }>;
    expect(page).toMatchObject({
      statusCode: 200,
      body: setupHtml,
      headers: { 'content-type': 'text/html; charset=utf-8' },
    });
    expect(script).toMatchObject({
      statusCode: 200,
      body: setupJs,
      headers: { 'content-type': 'text/javascript; charset=utf-8' },
    });
    expect(style).toMatchObject({
      statusCode: 200,
      body: setupCss,
      headers: { 'content-type': 'text/css; charset=utf-8' },
    });
    expect(page?.headers['content-security-policy']).toContain("script-src 'self'");
  }, 30_000);

  it('is wired into the api composition, which the api composition root calls', () => {
    const wiring = readFileSync(join(root, 'shared', 'composition', 'api.ts'), 'utf8');
    expect(wiring).toMatch(/routes: \[[^\]]*\.\.\.pageRoutes\(\)/);
    const compositionRoot = readFileSync(join(root, 'functions', 'api', 'index.ts'), 'utf8');
    expect(compositionRoot).toMatch(/\bwireApi\(env,/);
  });
});
