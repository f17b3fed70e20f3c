import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import * as z from 'zod';

export interface LoopbackChild {
  port: number;
  stop(): Promise<void>;
}

const readySchema = z.object({ port: z.number().int().positive() });

/**
 * Runs a stand-in that must live in its own Node process (ES modules only, which jest's CommonJS runtime cannot
 * load): it prints {"port":N} once listening on 127.0.0.1 and exits when its stdin closes or on SIGTERM, so a crashed
 * parent leaves no server behind. `input` is written to its stdin first (configuration that must stay out of argv).
 */
export async function startLoopbackChild(options: {
  name: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  startTimeoutMs: number;
}): Promise<LoopbackChild> {
  const child = spawn(process.execPath, options.args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
  });
  const exited = once(child, 'exit');
  if (options.input !== undefined) child.stdin.write(options.input);
  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('error', reject);
    void exited.then(([code]) =>
      reject(new Error(`${options.name} exited with code ${String(code)} before listening`)),
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${options.name} did not start in time`)), options.startTimeoutMs);
  });
  let port: number;
  try {
    port = readySchema.parse(JSON.parse(await Promise.race([firstLine, timeout]))).port;
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  lines.close();
  return {
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
