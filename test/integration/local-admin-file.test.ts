import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_ADMIN_FILE, readAdminFile } from '../../local/admin-file.js';
import { pollUntil } from '../support/poll.js';

// `npm start` then `npm run admin` with nothing set, as the README writes them: the runtime (on a random port) leaves
// its URL and token in an owner-only file the CLI reads, and removes it when it stops.
const ROOT = path.resolve(__dirname, '..', '..');

/** An environment without any Blink setting: only what a shell needs to run node. */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
      cwd: ROOT,
      env: bareEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run admin finds the running npm start by itself', () => {
  let runtime: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (runtime && runtime.exitCode === null) {
      const exited = new Promise((resolve) => runtime?.once('exit', resolve));
      runtime.kill('SIGTERM');
      await exited;
    }
  });

  it('reads the URL and token from an owner-only file, which a clean stop removes', async () => {
    runtime = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
      cwd: ROOT,
      env: bareEnv({ PORT: '0', LOCKOUT_SCAN_INTERVAL_SECONDS: '3600' }),
    });
    runtime.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    runtime.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const port = await pollUntil(async () => /API\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1], {
      timeoutMs: 60_000,
      description: 'npm start to print its URL',
    });
    expect(port).not.toBe('3000');
    expect(output).toContain('npm run admin -- activate --user jane.doe\n');

    const file = await readAdminFile(DEFAULT_ADMIN_FILE);
    expect(file).toEqual({ url: `http://127.0.0.1:${port}`, token: expect.any(String), pid: runtime.pid });
    expect((await stat(DEFAULT_ADMIN_FILE)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(DEFAULT_ADMIN_FILE))).mode & 0o777).toBe(0o700);
    // The token is not in the banner's commands: the CLI needs no copy-paste.
    const listed = await runCli(['list']);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(listed.stdout).toContain('No enrollments.');
    const dryRun = await runCli(['activate', '--user', 'jane.doe', '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/jane\.doe/);

    const exited = new Promise<number | null>((resolve) => runtime?.once('exit', (code) => resolve(code)));
    runtime.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(stat(DEFAULT_ADMIN_FILE)).rejects.toThrow(/ENOENT/);

    const afterStop = await runCli(['list']);
    expect(afterStop.code).toBe(2);
    expect(afterStop.stderr).toMatch(/no running npm start/);
  });
});
