import { join } from 'node:path';
import { build } from 'esbuild';
import { lambdaBundling } from '../../infra/bundling.js';

// The portal's page and files are served from S3 (deployed) and by the runtime (locally), never by the function: the
// admin-api bundle, built as CDK builds it, must not carry them.
test('the admin-api function bundle holds none of the portal files', async () => {
  const { esbuild } = lambdaBundling;
  const result = await build({
    entryPoints: [join(__dirname, '..', '..', 'functions', 'admin-api', 'index.ts')],
    bundle: true,
    platform: 'node',
    target: esbuild.target,
    format: 'cjs',
    mainFields: [...esbuild.mainFields],
    external: [...esbuild.external],
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((input) => input.includes('functions/admin-api/portal.ts'))).toBe(true);
  expect(inputs.filter((input) => input.includes('web/'))).toEqual([]);
  const code = result.outputFiles.map((file) => file.text).join('\n');
  expect(code).not.toContain('<title>Blink portal</title>');
}, 60_000);
