import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LocalBlink } from '../../../local/runtime.js';

const run = promisify(execFile);
const REPOSITORY_ROOT = path.resolve(__dirname, '../../..');

/**
 * Runs the admin CLI (scripts/admin.ts) against the local runtime with `token`, as an admin would, and returns what it
 * printed. A failure carries the CLI's output; the token must never appear in that output.
 */
export async function runAdminCli(
  blink: LocalBlink,
  args: string[],
  token: string,
  timeoutMs: number,
): Promise<string> {
  const { stdout, stderr } = await run(
    path.join(REPOSITORY_ROOT, 'node_modules/.bin/tsx'),
    ['scripts/admin.ts', ...args],
    {
      cwd: REPOSITORY_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(blink.port), LOCAL_ADMIN_TOKEN: token },
      timeout: timeoutMs,
    },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`admin CLI failed: ${error.stderr ?? ''}${error.stdout ?? ''}${error.message}`);
  });
  expect(stdout + stderr).not.toContain(token);
  return stdout;
}
